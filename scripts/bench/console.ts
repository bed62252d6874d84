/**
 * npm run bench:console: the console byte path against Debian's websockify, on
 * the SAME QEMU VNC server, in one run.
 *
 *   direct     a client on QEMU's VNC unix socket (no proxy: the baseline)
 *   horcrux    browser hop (ws) → console server (ticket, checks) → agent (wss,
 *              pinned certificate, node token) → QEMU's VNC unix socket
 *   websockify websockify --unix-target=<the same socket>
 *
 * Throughput: repeated full-screen, non-incremental FramebufferUpdateRequests
 * in raw encoding, each answered before the next (bytes/s and frames/s).
 * Round trip: a SetEncodings with QEMU's extended-key-event pseudo-encoding,
 * which QEMU acknowledges at once (16 bytes), timed request → reply.
 * Several rounds, paths interleaved; medians printed with the ratios.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isAlive, readPidFile } from '@/agent/drivers/qemu/proc';
import { buildTestImage } from '@/agent/drivers/qemu/test-helpers';
import { createAgent, type Agent } from '@/agent/server/agent';
import { createConsoleUpgrade } from '@/server/console/upgrade';
import { resetEnvCache } from '@/server/env';
import { issueTicket } from '@/server/services/console/tickets';
import { clientFor, registerLocalNode } from '@/server/services/nodes/nodes';
import { syncNode } from '@/server/services/nodes/sync';
import { completeSetup } from '@/server/services/setup/setup';
import { sessionActor } from '@/server/testing/caller';
import { RfbClient } from '@/server/testing/rfb';
import { openTestDb, type TestDb } from '@/server/testing/test-db';

const CONSOLE_PORT = Number(process.env.BENCH_CONSOLE_PORT ?? 18110);
const WEBSOCKIFY_PORT = Number(process.env.BENCH_WEBSOCKIFY_PORT ?? 18111);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const THROUGHPUT_MS = Number(process.env.BENCH_THROUGHPUT_MS ?? 3000);
const PINGS = Number(process.env.BENCH_PINGS ?? 200);
const NODE = 'bench';
const VMID = 900;

type PathName = 'direct' | 'horcrux' | 'websockify';
type Sample = { bytesPerSec: number; framesPerSec: number; rttMs: number[] };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function waitPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function throughput(c: RfbClient): Promise<{ bytesPerSec: number; framesPerSec: number }> {
  const start = process.hrtime.bigint();
  const bytes0 = c.bytesIn;
  let frames = 0;
  for (;;) {
    await c.screen();
    frames++;
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (ms >= THROUGHPUT_MS)
      return { bytesPerSec: ((c.bytesIn - bytes0) * 1000) / ms, framesPerSec: (frames * 1000) / ms };
  }
}

async function roundTrips(c: RfbClient, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    c.setEncodings([0, -258]);
    for (;;) {
      const rects = await c.nextUpdate();
      if (rects.some((r) => r.encoding === -258)) break;
    }
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out;
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'hx-bench-console-'));
  process.env.HORCRUX_DATA_DIR = work;
  process.env.NEXTAUTH_SECRET = randomBytes(36).toString('base64url');
  resetEnvCache();
  let t: TestDb | null = null;
  let agent: Agent | null = null;
  let server: http.Server | null = null;
  let websockify: ChildProcess | null = null;
  try {
    const image = await buildTestImage();
    t = await openTestDb('pglite');
    await completeSetup(
      t.db,
      { clusterName: 'bench', username: 'admin', password: 'bench password 1', email: '' },
      { ip: '127.0.0.1' },
    );
    agent = await createAgent({
      dataDir: path.join(work, 'agent'),
      port: 0,
      host: '127.0.0.1',
      nodeName: NODE,
      log: () => undefined,
    });
    await registerLocalNode(t.db, agent.dataDir, agent.url);
    const snippets = path.join(agent.dataDir, 'storage/local/snippets');
    await copyFile(image.kernel, path.join(snippets, 'vmlinuz'));
    await copyFile(image.initrd, path.join(snippets, 'initrd.gz'));
    const client = await clientFor(t.db, NODE);
    await client.waitForTask(
      (
        await client.createGuest({
          vmid: VMID,
          name: 'bench-console',
          memoryMiB: 128,
          nics: [],
          kernel: {
            volume: 'local:snippets/vmlinuz',
            initrd: 'local:snippets/initrd.gz',
            cmdline: 'console=ttyS0 console=tty0',
          },
        })
      ).upid,
    );
    await client.waitForTask((await client.startGuest(VMID)).upid, { timeoutMs: 90_000 });
    await syncNode(t.db, NODE);
    const vncSocket = path.join(agent.runDir, `${VMID}.vnc`);

    const consoles = createConsoleUpgrade(async () => t!.db);
    server = http.createServer((_q, res) => res.writeHead(404).end());
    server.on('upgrade', (req, socket, head) =>
      consoles.handles(req) ? consoles.handle(req, socket, head) : socket.destroy(),
    );
    await new Promise<void>((r) => server!.listen(CONSOLE_PORT, '127.0.0.1', r));

    websockify = spawn('websockify', [`--unix-target=${vncSocket}`, `127.0.0.1:${WEBSOCKIFY_PORT}`], {
      stdio: 'ignore',
    });
    await waitPort(WEBSOCKIFY_PORT);

    // Let the guest's kernel put text on the screen.
    await new Promise((r) => setTimeout(r, 8000));

    const open = async (p: PathName): Promise<RfbClient> => {
      if (p === 'direct') return RfbClient.openUnix(vncSocket);
      if (p === 'websockify') return RfbClient.open(`ws://127.0.0.1:${WEBSOCKIFY_PORT}/`);
      const tk = await issueTicket(t!.db, sessionActor('admin@local'), { vmid: VMID, kind: 'vnc' });
      return RfbClient.open(`ws://127.0.0.1:${CONSOLE_PORT}${tk.path}?ticket=${tk.ticket}`);
    };
    const paths: PathName[] = ['direct', 'horcrux', 'websockify'];
    const clients = new Map<PathName, RfbClient>();
    for (const p of paths) {
      const c = await open(p);
      await c.handshake();
      clients.set(p, c);
    }
    const first = clients.get('direct')!;
    console.log(
      `QEMU VNC ${first.width}x${first.height}, 32 bpp raw (${((first.width * first.height * 4) / 1e6).toFixed(2)} MB per full frame)`,
    );
    console.log(
      `${ROUNDS} rounds; throughput ${THROUGHPUT_MS} ms per path per round; ${PINGS} round trips per path per round\n`,
    );

    const samples = new Map<PathName, Sample[]>(paths.map((p) => [p, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [...paths].reverse() : paths;
      for (const p of order) {
        const c = clients.get(p)!;
        const tp = await throughput(c);
        const rtt = await roundTrips(c, PINGS);
        samples.get(p)!.push({ ...tp, rttMs: rtt });
      }
      process.stdout.write(`round ${round + 1}/${ROUNDS} done\n`);
    }

    const summary = new Map(
      paths.map((p) => {
        const s = samples.get(p)!;
        const rtts = s.flatMap((x) => x.rttMs);
        return [
          p,
          {
            mbps: median(s.map((x) => x.bytesPerSec)) / 1e6,
            fps: median(s.map((x) => x.framesPerSec)),
            rtt: median(rtts),
            p90: pct(rtts, 0.9),
          },
        ];
      }),
    );
    console.log('\npath        throughput (MB/s)  frames/s  round trip median (ms)  p90 (ms)');
    for (const [p, s] of summary) {
      console.log(
        `${p.padEnd(11)} ${s.mbps.toFixed(1).padStart(17)}  ${s.fps.toFixed(1).padStart(8)}  ${s.rtt.toFixed(3).padStart(22)}  ${s.p90.toFixed(3).padStart(8)}`,
      );
    }
    const h = summary.get('horcrux')!;
    const w = summary.get('websockify')!;
    const d = summary.get('direct')!;
    console.log(`\nthroughput horcrux / websockify: ${(h.mbps / w.mbps).toFixed(2)}`);
    console.log(`round trip horcrux / websockify: ${(h.rtt / w.rtt).toFixed(2)}`);
    console.log(
      `added round trip over direct (median): horcrux ${(h.rtt - d.rtt).toFixed(3)} ms, websockify ${(w.rtt - d.rtt).toFixed(3)} ms`,
    );
    console.log(`added round trip over websockify (median): ${(h.rtt - w.rtt).toFixed(3)} ms`);
    for (const c of clients.values()) c.close();
    consoles.close();
  } finally {
    websockify?.kill('SIGTERM');
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await agent?.close().catch(() => undefined);
    const run = agent ? agent.runDir : '';
    for (const name of (await readdir(run).catch(() => [])).filter((n) => n.endsWith('.pid'))) {
      const pid = await readPidFile(path.join(run, name));
      if (pid !== null && (await isAlive(pid))) process.kill(pid, 'SIGKILL');
    }
    await t?.close();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
