import { describe, expect, it } from 'vitest';
import { layoutTree, NOW_ID, RUN_PREFIX, type TreeSnapshot } from './tree-layout';

const snap = (name: string, parent: string | null): TreeSnapshot => ({
  name,
  parent,
  snaptime: 0,
  vmstate: false,
  description: '',
  missing: 0,
});

/** A → B, A → C: the branching tree of the issue. */
const BRANCHED = [snap('A', null), snap('B', 'A'), snap('C', 'A')];

describe('layoutTree', () => {
  it('puts NOW under the current position, children below their parent, branches side by side', () => {
    const t = layoutTree(BRANCHED, { current: 'C', running: false });
    const at = Object.fromEntries(t.nodes.map((n) => [n.id, n]));
    expect(t.parentOf.get(NOW_ID)).toBe('C');
    expect(at.B!.y).toBe(at.C!.y);
    expect(at.B!.x).not.toBe(at.C!.x);
    expect(at.B!.y).toBeGreaterThan(at.A!.y);
    expect(at[NOW_ID]!.y).toBeGreaterThan(at.C!.y);
    expect(at[NOW_ID]!.x).toBe(at.C!.x);
    expect(t.nodes.find((n) => n.id === 'A')).toMatchObject({ branch: true });
    expect(t.edges.map((e) => e.id).sort()).toEqual(['A->B', 'A->C', `C->${NOW_ID}`]);
  });

  it('without snapshots, NOW stands alone', () => {
    const t = layoutTree([], { current: null, running: true });
    expect(t.nodes).toMatchObject([{ kind: 'now', parent: null, running: true }]);
    expect(t.edges).toEqual([]);
  });

  it('a snapshot whose parent is unknown is a root', () => {
    const t = layoutTree([snap('X', 'gone')], { current: 'X', running: false });
    expect(t.parentOf.get('X')).toBeNull();
  });

  it('collapses long linear runs in big trees, keeping branch points, the current position and NOW; expands on demand', () => {
    const chain = Array.from({ length: 100 }, (_, i) => snap(`s${i}`, i ? `s${i - 1}` : null));
    chain.push(snap('side', 's50'));
    const t = layoutTree(chain, { current: 's99', running: false });
    const runs = t.nodes.filter((n) => n.kind === 'run');
    expect(runs.map((r) => (r.kind === 'run' ? [r.names[0], r.names.at(-1)] : null))).toEqual([
      ['s1', 's49'],
      ['s52', 's98'],
    ]);
    const ids = t.nodes.map((n) => n.id);
    for (const keep of ['s0', 's50', 's51', 'side', 's99', NOW_ID]) expect(ids).toContain(keep);
    expect(t.parentOf.get('s50')).toBe(`${RUN_PREFIX}s1`);
    expect(t.nodes.length).toBeLessThan(10);

    const open = layoutTree(chain, { current: 's99', running: false, expanded: new Set([`${RUN_PREFIX}s1`]) });
    expect(open.nodes.filter((n) => n.kind === 'run')).toHaveLength(1);
    expect(open.nodes.map((n) => n.id)).toContain('s20');

    const small = layoutTree(chain.slice(0, 20), { current: 's19', running: false });
    expect(small.nodes.some((n) => n.kind === 'run')).toBe(false);
  });
});
