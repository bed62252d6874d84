import { describe, expect, it } from 'vitest';
import { indexTree, treeRows, type TreeNode } from './tree-rows';

const nodes: TreeNode[] = [
  {
    name: 'alpha',
    status: 'online',
    guests: [
      { vmid: 100, name: 'web', status: 'running' },
      { vmid: 101, name: 'db', status: 'stopped' },
    ],
  },
  { name: 'beta', status: 'online', guests: [{ vmid: 200, name: 'web-2', status: 'running' }] },
  { name: 'gamma', status: 'offline', guests: [] },
];
const label = (rows: ReturnType<typeof treeRows>) =>
  rows.map((r) => (r.kind === 'node' ? `${r.name}${r.expanded ? '' : '+'} ${r.shown}/${r.guests}` : `  ${r.vmid}`));

describe('resource tree rows', () => {
  const indexed = indexTree(nodes);

  it('lists every node and, unless folded, its guests', () => {
    expect(label(treeRows(indexed, new Set(), ''))).toEqual([
      'alpha 2/2',
      '  100',
      '  101',
      'beta 1/1',
      '  200',
      'gamma 0/0',
    ]);
    expect(label(treeRows(indexed, new Set(['alpha']), ''))).toEqual(['alpha+ 2/2', 'beta 1/1', '  200', 'gamma 0/0']);
  });

  it('searches by name or vmid, case-insensitively, unfolding matches and hiding empty nodes', () => {
    expect(label(treeRows(indexed, new Set(['alpha', 'beta']), 'WEB'))).toEqual([
      'alpha 1/2',
      '  100',
      'beta 1/1',
      '  200',
    ]);
    expect(label(treeRows(indexed, new Set(), '20'))).toEqual(['beta 1/1', '  200']);
    expect(label(treeRows(indexed, new Set(), 'nothing'))).toEqual([]);
  });

  it('shows all of a node’s guests when the node’s own name matches', () => {
    expect(label(treeRows(indexed, new Set(), 'alp'))).toEqual(['alpha 2/2', '  100', '  101']);
    expect(label(treeRows(indexed, new Set(), 'gamma'))).toEqual(['gamma 0/0']);
  });
});
