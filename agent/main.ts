import { parseArgs } from 'node:util';
import { ZFingerprint } from './contract/join';
import { ZNodeName } from './contract/common';
import { agentConfig } from './config';
import { createAgent, readStoredNodeName } from './server/agent';
import { joinConsole } from './server/join';

const USAGE = `usage: npm run agent [-- --join https://console:8006 --token <join token> [--name NODE] [--url https://this-host:8007] [--fingerprint <console SHA-256>]]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      join: { type: 'string' },
      token: { type: 'string' },
      name: { type: 'string' },
      url: { type: 'string' },
      fingerprint: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.join && !values.token) throw new Error(`--join needs --token\n${USAGE}`);
  const config = agentConfig();
  const name = values.name ?? config.nodeName;
  if (name !== undefined && !ZNodeName.safeParse(name).success)
    throw new Error(`--name ${JSON.stringify(name)}: must be one DNS label`);
  const consoleFingerprint = values.fingerprint === undefined ? undefined : ZFingerprint.parse(values.fingerprint);

  const agent = await createAgent({ ...config, nodeName: name }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE') {
      throw new Error(
        `port ${config.port} on ${config.host} is in use (another agent?); set HORCRUX_AGENT_PORT to another port`,
      );
    }
    throw e;
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`[agent] ${signal}: closing (guests keep running)`);
      void agent.close().then(() => process.exit(0));
    });
  }

  if (values.join && values.token) {
    const agentUrl = values.url ?? agent.url.replace('127.0.0.1', (await import('node:os')).hostname());
    await joinConsole({
      consoleUrl: values.join,
      joinToken: values.token,
      consoleFingerprint,
      nodeName: agent.nodeName,
      agentUrl,
      agentFingerprint: agent.fingerprint,
      dataDir: config.dataDir,
    });
    console.log(`[agent] joined ${values.join} as node ${agent.nodeName} (${agentUrl})`);
    if ((await readStoredNodeName(config.dataDir)) !== agent.nodeName)
      console.log('[agent] restart the agent to use the name the console chose');
  }
}

main().catch((e: unknown) => {
  console.error(`[agent] ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
