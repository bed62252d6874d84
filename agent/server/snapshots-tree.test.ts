import { describe, expect, it } from 'vitest';
import type { SnapshotRecord, SnapshotTree } from '../contract/snapshots';
import { unlinkSnapshot } from './snapshots-service';

const snap = (name: string, parent: string | null): SnapshotRecord => ({
  name,
  parent,
  description: '',
  snaptime: 0,
  vmstate: false,
  vmstateSlot: null,
  disks: [],
});

const edges = (t: SnapshotTree) => Object.fromEntries(t.list.map((s) => [s.name, s.parent]));

describe('unlinkSnapshot', () => {
  const tree: SnapshotTree = { parent: 'C', list: [snap('A', null), snap('B', 'A'), snap('C', 'A'), snap('D', 'C')] };

  it('hangs the children of a deleted root from no snapshot', () => {
    const t = unlinkSnapshot(tree, 'A');
    expect(edges(t)).toEqual({ B: null, C: null, D: 'C' });
    expect(t.parent).toBe('C');
  });

  it('hangs the children of an inner snapshot from its parent, and moves the current position with them', () => {
    const t = unlinkSnapshot(tree, 'C');
    expect(edges(t)).toEqual({ A: null, B: 'A', D: 'A' });
    expect(t.parent).toBe('A');
  });

  it('leaves the tree alone for an unknown name', () => {
    expect(unlinkSnapshot(tree, 'X')).toBe(tree);
  });
});
