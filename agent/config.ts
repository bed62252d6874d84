import path from 'node:path';
import { z } from 'zod';

const ZAgentEnv = z.object({
  /** HTTPS port of the agent. */
  HORCRUX_AGENT_PORT: z.coerce.number().int().min(1).max(65535).default(8007),
  /** Listen address. */
  HORCRUX_AGENT_HOST: z.string().min(1).default('0.0.0.0'),
  /** Certificate, node token hash, guest configs, tasks, the `local` storage. */
  HORCRUX_AGENT_DATA_DIR: z.string().min(1).default('/var/lib/horcrux-agent'),
  /** QMP sockets, pid files and QEMU logs; default `<data dir>/run`. */
  HORCRUX_AGENT_RUN_DIR: z.string().min(1).optional(),
  /** `qemu` on real hosts; `sim` simulates guests for scale tests of the control plane. */
  HORCRUX_AGENT_DRIVER: z.enum(['qemu', 'sim']).default('qemu'),
  /** The node's name; default the one stored at join time, else the host name. */
  HORCRUX_AGENT_NODE_NAME: z.string().min(1).optional(),
});

export type AgentConfig = {
  port: number;
  host: string;
  dataDir: string;
  runDir: string;
  driver: 'qemu' | 'sim';
  nodeName?: string;
};

/** Parses the agent's environment once; a bad value stops start-up with the variable named. */
export function agentConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const parsed = ZAgentEnv.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.HORCRUX_AGENT_DATA_DIR);
  return {
    port: e.HORCRUX_AGENT_PORT,
    host: e.HORCRUX_AGENT_HOST,
    dataDir,
    runDir: path.resolve(e.HORCRUX_AGENT_RUN_DIR ?? path.join(dataDir, 'run')),
    driver: e.HORCRUX_AGENT_DRIVER,
    nodeName: e.HORCRUX_AGENT_NODE_NAME,
  };
}
