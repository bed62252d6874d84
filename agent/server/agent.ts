import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureCertificate } from '../../server/tls';
import { ZNodeName } from '../contract/common';
import { QemuDriver } from '../drivers/qemu/driver';
import { SimDriver } from '../drivers/sim/driver';
import type { GuestDriver } from '../drivers/types';
import { MetricsSampler } from '../metrics/sampler';
import { DirStorage } from '../storage/dir';
import { TaskRunner } from '../tasks/runner';
import { CERT_NAME, NodeAuth } from './auth';
import { GuestStore } from './guest-store';
import { GuestsService } from './guests-service';
import { createConsoleUpgrade } from './console-upgrade';
import { createHandlers } from './handlers';
import { createRequestHandler } from './http';
import { SnapshotsService } from './snapshots-service';

export type CreateAgentOptions = {
  /** Certificate, token hash, guest configs, tasks, the `local` storage. */
  dataDir: string;
  /** QMP sockets, pid files, logs; default `<dataDir>/run`. */
  runDir?: string;
  /** 0 picks a free port. */
  port: number;
  /** Default `0.0.0.0`. */
  host?: string;
  /** `qemu` (default), `sim`, or a driver instance (tests, scale runs sharing a SimState). */
  driver?: 'qemu' | 'sim' | GuestDriver;
  /** Default: the name stored at join time, else the host name's first label. */
  nodeName?: string;
  log?: (line: string) => void;
};

export type Agent = {
  /** `https://<host>:<port>`, with 127.0.0.1 for a wildcard listen address. */
  url: string;
  port: number;
  /** SHA-256 fingerprint of the agent's certificate, for the console to pin. */
  fingerprint: string;
  nodeName: string;
  dataDir: string;
  runDir: string;
  driver: GuestDriver;
  tasks: TaskRunner;
  /** The 10 s metrics sampler (started with the agent). */
  metrics: MetricsSampler;
  /** Stops listening and waits for running tasks; guests keep running. */
  close(): Promise<void>;
};

const NODE_FILE = 'node.json';

/** The node name stored at join time, if any. */
export async function readStoredNodeName(dataDir: string): Promise<string | null> {
  try {
    const raw: unknown = JSON.parse(await readFile(path.join(dataDir, NODE_FILE), 'utf8'));
    const name = typeof raw === 'object' && raw !== null && 'name' in raw ? raw.name : null;
    return ZNodeName.safeParse(name).success ? (name as string) : null;
  } catch {
    return null;
  }
}

export async function storeNodeName(dataDir: string, name: string): Promise<void> {
  await writeFile(path.join(dataDir, NODE_FILE), JSON.stringify({ name: ZNodeName.parse(name) }));
}

function hostLabel(): string {
  const label = os.hostname().split('.')[0] ?? '';
  return ZNodeName.safeParse(label).success ? label : 'localhost';
}

/**
 * Starts an agent: HTTPS with its own certificate, the token check, the
 * routes of agent/contract. Several agents can run in one process (scale
 * tests with the sim driver), each on its own port and data directory.
 */
export async function createAgent(options: CreateAgentOptions): Promise<Agent> {
  const dataDir = path.resolve(options.dataDir);
  const runDir = path.resolve(options.runDir ?? path.join(dataDir, 'run'));
  const log = options.log ?? ((line: string) => console.log(`[agent] ${line}`));
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await mkdir(runDir, { recursive: true, mode: 0o700 });

  const nodeName = ZNodeName.parse(options.nodeName ?? (await readStoredNodeName(dataDir)) ?? hostLabel());
  const tls = await ensureCertificate(dataDir, CERT_NAME);

  let driver: GuestDriver;
  let driverName: 'qemu' | 'sim';
  if (options.driver === 'sim' || options.driver instanceof SimDriver) {
    driver = options.driver instanceof SimDriver ? options.driver : new SimDriver();
    driverName = 'sim';
  } else if (options.driver === undefined || options.driver === 'qemu') {
    driver = new QemuDriver({ runDir });
    driverName = 'qemu';
  } else {
    driver = options.driver;
    driverName = 'qemu';
  }

  const local = new DirStorage('local', path.join(dataDir, 'storage', 'local'));
  await local.init();
  const storages = new Map([[local.id, local]]);
  const tasks = new TaskRunner({ dir: path.join(dataDir, 'tasks'), node: nodeName, log });
  await tasks.init();
  const store = new GuestStore(path.join(dataDir, 'guests'));
  await store.init();
  const guests = new GuestsService({ driver, store, storages, tasks });
  const live = driver instanceof QemuDriver ? driver.liveSnapshots : null;
  const snapshots = new SnapshotsService({ driver, live, store, storages, tasks });

  const recovered = await driver.recover();
  for (const s of recovered) log(`found guest ${s.vmid}: ${s.state}${s.reason ? ` (${s.reason})` : ''}`);

  const metrics = new MetricsSampler({
    driver,
    node: driverName === 'sim' ? 'sim' : 'host',
    guests: async () => {
      const list = await Promise.all(
        (await store.vmids()).map(async (vmid) => ({ vmid, g: await store.get(vmid).catch(() => null) })),
      );
      return list.flatMap(({ vmid, g }) =>
        g ? [{ vmid, maxcpu: g.config.cores * g.config.sockets, maxmem: g.config.memoryMiB * 1024 * 1024 }] : [],
      );
    },
    storages: () => Promise.all([...storages.values()].map((s) => s.status())),
    log,
  });
  metrics.start();

  const auth = new NodeAuth(dataDir);
  const handle = createRequestHandler(
    auth,
    createHandlers({ nodeName, driverName, driver, guests, snapshots, tasks, storages, metrics }),
    log,
  );
  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => void handle(req, res));
  // The console polls every 10 s over a kept-alive connection: keep it open across polls.
  server.keepAliveTimeout = 30_000;
  // Answer `Expect: 100-continue` ourselves: uploads are checked before their body is sent.
  server.on('checkContinue', (req, res) => void handle(req, res));
  // Guest consoles: websockets to QEMU's VNC and serial sockets (agent/contract/console.ts).
  const consoles = createConsoleUpgrade({ auth, driver, store, runDir, log });
  server.on('upgrade', consoles.handle);
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `https://${urlHost}:${port}`;
  log(`node ${nodeName} listening on ${url} (driver ${driverName}, certificate ${tls.fingerprint256})`);

  return {
    url,
    port,
    fingerprint: tls.fingerprint256,
    nodeName,
    dataDir,
    runDir,
    driver,
    tasks,
    metrics,
    close: async () => {
      metrics.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await consoles.close();
      await closed;
      await tasks.drain();
    },
  };
}
