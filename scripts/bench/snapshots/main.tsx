// Benchmark entry (not part of the app): renders the real SnapshotTree with a
// synthetic tree of `?n=` snapshots and reports, on window.__bench, the time
// from mount to the nodes painted, and from a selection click to its repaint.
import '@/app/globals.css';
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { SnapshotTree } from '@/components/snapshots/snapshot-tree';
import { layoutTree, type TreeSnapshot } from '@/components/snapshots/tree-layout';

/** Mulberry32: the same tree for the same seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mostly linear history with branches: 80 % continue from the previous snapshot, 20 % from an earlier one. */
function syntheticTree(n: number, seed: number): TreeSnapshot[] {
  const r = rng(seed);
  const out: TreeSnapshot[] = [];
  for (let i = 0; i < n; i++) {
    const parent = i === 0 ? null : r() < 0.8 ? out[i - 1]!.name : out[Math.floor(r() * i)]!.name;
    out.push({
      name: `snap${i}`,
      parent,
      snaptime: 1_700_000_000 + i * 3600,
      vmstate: r() < 0.3,
      description: '',
      missing: 0,
    });
  }
  return out;
}

const params = new URLSearchParams(location.search);
const n = Number(params.get('n') ?? 20);
const seed = Number(params.get('seed') ?? 1);
const snapshots = syntheticTree(n, seed);
const current = snapshots.at(-1)?.name ?? null;

declare global {
  // Declaration merging with the DOM's Window needs an interface.
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions
  interface Window {
    __bench?: { mountMs: number; layoutMs: number; selectMs?: number; nodesInDom: number };
  }
}

function afterPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

function Bench() {
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <SnapshotTree
      className="h-[700px]"
      snapshots={snapshots}
      current={current}
      running
      selected={selected}
      onSelect={setSelected}
    />
  );
}

async function main() {
  // The layout alone, for the record (the component computes it once more inside).
  const l0 = performance.now();
  layoutTree(snapshots, { current, running: true });
  const layoutMs = performance.now() - l0;

  const t0 = performance.now();
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <Bench />
    </StrictMode>,
  );
  // Painted: NOW is in the DOM and React Flow has measured the nodes (it shows them only then).
  for (;;) {
    await afterPaint();
    const now = document.querySelector<HTMLElement>('[data-tree-node=":now"]');
    const wrapper = now?.closest<HTMLElement>('.react-flow__node');
    if (wrapper && getComputedStyle(wrapper).visibility !== 'hidden') break;
    if (performance.now() - t0 > 60_000) throw new Error('the tree did not paint within 60 s');
  }
  const mountMs = performance.now() - t0;
  const nodesInDom = document.querySelectorAll('.react-flow__node').length;

  const target = document.querySelector<HTMLElement>('[data-tree-node=":now"]')!;
  const s0 = performance.now();
  target.click();
  while (target.getAttribute('aria-pressed') !== 'true') await afterPaint();
  await afterPaint();
  const selectMs = performance.now() - s0;
  window.__bench = { mountMs, layoutMs, selectMs, nodesInDom };
}

void main();
