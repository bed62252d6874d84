#!/usr/bin/env node
// `npm run up`: from a fresh clone to a running console on https://localhost:8006.
// Installs what is missing (Debian packages when root, npm dependencies), builds the
// console when its sources changed, then starts it in the foreground (migrations are
// applied at start-up). Uses only Node's own modules: node_modules may not exist yet.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const run = (cmd, args, env = {}) =>
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  console.error(`Horcrux needs Node.js 20 or newer; this is ${process.version}.`);
  process.exit(1);
}

if (process.platform === 'linux' && existsSync('/usr/bin/dpkg-query')) {
  // The test packages too, so that `npm test` works right after this.
  run('bash', ['scripts/install-deps.sh', ...(process.getuid?.() === 0 ? ['--test'] : [])]);
}

const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.log('installing npm dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund'], { PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' });
}

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'generated' || entry.name === 'node_modules') continue;
    const p = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return latest;
}

const buildId = path.join(root, '.next', 'BUILD_ID');
const sources = ['app', 'components', 'server', 'public'].map((d) => path.join(root, d)).filter(existsSync);
const sourceTime = Math.max(
  ...sources.map(newest),
  statSync(lock).mtimeMs,
  statSync(path.join(root, 'next.config.js')).mtimeMs,
);
if (!existsSync(buildId) || statSync(buildId).mtimeMs < sourceTime) {
  console.log('building the console (next build)…');
  run('npx', ['next', 'build'], { NEXT_TELEMETRY_DISABLED: '1' });
}

// The agent of this host (root: it drives QEMU), registered by the console as the first node.
const root_ = process.getuid?.() === 0;
const agentDir =
  process.env.HORCRUX_AGENT_DATA_DIR ?? (root_ ? '/var/lib/horcrux-agent' : path.join(root, 'data', 'agent'));
const agentPort = process.env.HORCRUX_AGENT_PORT ?? '8007';
// `node --import tsx` runs the code in this process: a signal reaches it, not a wrapper.
const tsxArgs = ['--import', 'tsx'];
const children = [
  spawn(process.execPath, [...tsxArgs, 'agent/main.ts'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, HORCRUX_AGENT_DATA_DIR: agentDir, HORCRUX_AGENT_PORT: agentPort },
  }),
  spawn(process.execPath, [...tsxArgs, 'server/main.ts'], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HORCRUX_LOCAL_AGENT_URL: `https://127.0.0.1:${agentPort}`,
      HORCRUX_LOCAL_AGENT_DIR: agentDir,
    },
  }),
];
let exiting = false;
const stopAll = (signal) => {
  exiting = true;
  for (const c of children) if (c.exitCode === null) c.kill(signal);
};
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll(signal));
// When one stops, stop the other: a console without its agent (or the reverse) is not "up".
for (const c of children) {
  c.on('exit', (code) => {
    if (!exiting) stopAll('SIGTERM');
    if (children.every((x) => x.exitCode !== null || x.signalCode !== null)) process.exit(code ?? 0);
  });
}
