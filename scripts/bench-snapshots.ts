// npm run bench:snapshots: render time of the snapshot tree component in
// Chromium for 20, 200 and 1000 snapshots (median of several runs). Builds a
// small page with vite (scripts/bench/snapshots, not part of the app), serves
// it on 127.0.0.1, and loads it with playwright-core in Debian's chromium.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { build } from 'vite';

const root = path.resolve(import.meta.dirname, '..');
const outDir = path.join(root, '.cache', 'bench-snapshots');
// 0 snapshots (NOW alone) is the baseline: React and React Flow starting up in the same browser.
const SIZES = [0, 20, 200, 1000];
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const PORT = Number(process.env.BENCH_PORT ?? 0);

type Result = { mountMs: number; layoutMs: number; selectMs: number; nodesInDom: number };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main() {
  await build({
    root: path.join(root, 'scripts', 'bench', 'snapshots'),
    base: './',
    logLevel: 'error',
    resolve: { alias: { '@': root } },
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    oxc: { jsx: { runtime: 'automatic' } },
    build: { outDir, emptyOutDir: true },
  });

  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.join(outDir, rel);
    if (!file.startsWith(outDir + path.sep)) {
      res.writeHead(404).end();
      return;
    }
    stat(file).then(
      () => {
        const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'text/html';
        res.writeHead(200, { 'content-type': type });
        createReadStream(file).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(PORT, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
  });
  const version = browser.version();
  const rows: string[] = [];
  let baseline = 0;
  try {
    for (const n of SIZES) {
      const results: Result[] = [];
      // One warm-up load (compiles the bundle), then the measured runs, each in a fresh page.
      for (let i = 0; i <= RUNS; i++) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        await page.goto(`${base}?n=${n}&seed=${i + 1}`);
        const r = (await page
          .waitForFunction(() => window.__bench, undefined, { timeout: 120_000 })
          .then((h) => h.jsonValue())) as Result;
        await page.close();
        if (i > 0) results.push(r);
      }
      const med = (f: (r: Result) => number) => median(results.map(f));
      const mount = med((r) => r.mountMs);
      if (n === 0) baseline = mount;
      const cols = [
        String(n).padStart(5),
        mount.toFixed(1).padStart(11),
        `${(mount / baseline).toFixed(1)}x`.padStart(7),
        Math.min(...results.map((r) => r.mountMs))
          .toFixed(1)
          .padStart(7),
        Math.max(...results.map((r) => r.mountMs))
          .toFixed(1)
          .padStart(7),
        med((r) => r.layoutMs)
          .toFixed(1)
          .padStart(12),
        med((r) => r.selectMs)
          .toFixed(1)
          .padStart(13),
        String(med((r) => r.nodesInDom)).padStart(13),
      ];
      rows.push(cols.join(' '));
    }
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`snapshot tree in Chromium (${version}), median of ${RUNS} runs, ms`);
  console.log('    n  mount→paint  vs n=0    min     max  layout-only  select→paint  nodes-in-DOM');
  for (const r of rows) console.log(r);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
