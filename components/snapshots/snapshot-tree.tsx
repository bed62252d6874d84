'use client';
import {
  Background,
  Controls,
  Handle,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Edge,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import {
  createContext,
  memo,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type KeyboardEvent,
} from 'react';
import { cn } from '@/components/ui/cn';
import { layoutTree, NODE_HEIGHT, NODE_WIDTH, NOW_ID, type LayoutNode, type TreeSnapshot } from './tree-layout';

type FlowNode = Node<{ n: LayoutNode }>;

/** The selection, outside React state: a change re-renders the two nodes concerned, not the whole tree. */
class Selection {
  private value: string | null = null;
  private readonly listeners = new Set<() => void>();
  get = () => this.value;
  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  };
  set(v: string | null) {
    if (v === this.value) return;
    this.value = v;
    for (const l of this.listeners) l();
  }
}

type TreeContext = {
  selection: Selection;
  select: (id: string) => void;
  expand: (runId: string) => void;
  onKey: (id: string, e: KeyboardEvent) => void;
};

const Ctx = createContext<TreeContext | null>(null);

function when(t: number): string {
  return new Date(t * 1000).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}

/** The accessible name of a node: what it is and where it hangs. */
export function nodeLabel(n: LayoutNode): string {
  const under = n.parent === null ? 'a root' : `child of ${n.parent.startsWith(':') ? 'a collapsed run' : n.parent}`;
  if (n.kind === 'now')
    return `NOW, the ${n.running ? 'running' : 'stopped'} guest, ${n.parent === null ? 'no snapshot yet' : `after ${n.parent}`}`;
  if (n.kind === 'run')
    return `${n.names.length} snapshots ${n.names[0]} to ${n.names.at(-1)}, collapsed, ${under}; press Enter to expand`;
  const extras = [
    n.branch ? 'branch point' : '',
    n.snap.vmstate ? 'with RAM' : '',
    n.snap.missing ? 'missing on disk' : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `Snapshot ${n.id}, ${under}${extras ? `, ${extras}` : ''}`;
}

/** A fork: one line splitting in two (drawn, so it does not depend on the fonts installed). */
function BranchIcon() {
  return (
    <svg aria-hidden width="10" height="10" viewBox="0 0 10 10" className="inline-block align-[-1px]">
      <path d="M5 0v4M5 4L1.5 9M5 4l3.5 5" stroke="currentColor" strokeWidth="1.4" fill="none" />
    </svg>
  );
}

const hidden = { opacity: 0, width: 1, height: 1, minWidth: 0, minHeight: 0, border: 0 };

const TreeNode = memo(function TreeNode({ data }: NodeProps<FlowNode>) {
  const ctx = useContext(Ctx)!;
  const n = data.n;
  const selected = useSyncExternalStore(
    ctx.selection.subscribe,
    () => ctx.selection.get() === n.id,
    () => false,
  );
  return (
    <>
      <Handle type="target" position={Position.Top} isConnectable={false} style={hidden} />
      <button
        type="button"
        data-tree-node={n.id}
        aria-pressed={selected}
        aria-label={nodeLabel(n)}
        onClick={() => (n.kind === 'run' ? ctx.expand(n.id) : ctx.select(n.id))}
        onKeyDown={(e) => ctx.onKey(n.id, e)}
        // React Flow turns pointer events off on nodes that are neither selectable nor draggable.
        style={{ width: NODE_WIDTH, height: NODE_HEIGHT, pointerEvents: 'all' }}
        className={cn(
          'nopan nodrag flex flex-col items-start justify-center overflow-hidden rounded-md border px-2.5 text-left text-xs shadow-sm focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-500',
          n.kind === 'now'
            ? 'border-emerald-500 bg-emerald-50 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100'
            : n.kind === 'run'
              ? 'border-dashed border-slate-400 bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200'
              : n.snap.missing
                ? 'border-red-400 bg-red-50 text-red-900 dark:bg-red-950 dark:text-red-100'
                : 'border-slate-300 bg-white text-slate-900 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100',
          selected && 'ring-2 ring-brand-500',
        )}
      >
        {n.kind === 'now' && (
          <>
            <span className="font-semibold">NOW</span>
            <span className="text-[11px] opacity-80">{n.running ? 'running' : 'stopped'} · you are here</span>
          </>
        )}
        {n.kind === 'run' && (
          <>
            <span className="font-semibold">{n.names.length} snapshots</span>
            <span className="w-full truncate text-[11px] opacity-80">
              {n.names[0]} … {n.names.at(-1)} (expand)
            </span>
          </>
        )}
        {n.kind === 'snapshot' && (
          <>
            <span className="flex w-full items-center gap-1 font-semibold">
              <span className="truncate">{n.id}</span>
              {n.snap.vmstate && (
                <span title="includes RAM state" className="rounded bg-sky-100 px-1 text-[10px] text-sky-800">
                  RAM
                </span>
              )}
              {n.branch && (
                <span title="branch point" className="rounded bg-amber-100 px-1 text-amber-800">
                  <BranchIcon />
                </span>
              )}
              {n.snap.missing > 0 && <span className="text-[10px] text-red-700">missing</span>}
            </span>
            <span className="text-[11px] opacity-70">{when(n.snap.snaptime)}</span>
          </>
        )}
      </button>
      <Handle type="source" position={Position.Bottom} isConnectable={false} style={hidden} />
    </>
  );
});

const nodeTypes = { tree: TreeNode };

export type SnapshotTreeProps = {
  snapshots: TreeSnapshot[];
  /** The current position (parent of NOW). */
  current: string | null;
  running: boolean;
  selected: string | null;
  onSelect: (id: string) => void;
  /** Trees with more nodes than this collapse long linear runs (default 60). */
  collapseAbove?: number;
  className?: string;
};

/**
 * The snapshot tree: top-down, NOW under the current position, branch points
 * marked, long linear runs of big trees collapsed (Enter expands). Every node
 * is a button: Tab reaches it, Enter selects it, arrow keys move to the parent
 * (↑), first child (↓) and siblings (← →). The layout is computed once per
 * change of the tree, not per render.
 */
export function SnapshotTree(props: SnapshotTreeProps) {
  return (
    <ReactFlowProvider>
      <Tree {...props} />
    </ReactFlowProvider>
  );
}

function Tree({ snapshots, current, running, selected, onSelect, collapseAbove, className }: SnapshotTreeProps) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const rf = useReactFlow();
  const laid = useMemo(
    () => layoutTree(snapshots, { current, running, expanded, collapseAbove }),
    [snapshots, current, running, expanded, collapseAbove],
  );
  const nodes = useMemo<FlowNode[]>(
    () => laid.nodes.map((n) => ({ id: n.id, type: 'tree', position: { x: n.x, y: n.y }, data: { n } })),
    [laid],
  );
  const edges = useMemo<Edge[]>(
    () =>
      laid.edges.map((e) => ({
        id: e.id,
        source: e.source,
        target: e.target,
        type: 'smoothstep',
        animated: e.toNow,
        style: e.toNow ? { stroke: '#10b981', strokeDasharray: '4 3' } : undefined,
      })),
    [laid],
  );
  const byId = useMemo(() => new Map(laid.nodes.map((n) => [n.id, n])), [laid]);
  // Big trees open readable around NOW (its ancestors and their children); the fit button shows everything.
  const fitOptions = useMemo(() => {
    if (laid.nodes.length <= 40) return { maxZoom: 1.2 };
    const near = new Set<string>([NOW_ID]);
    let up = laid.parentOf.get(NOW_ID) ?? null;
    for (let i = 0; i < 4 && up !== null; i++) {
      near.add(up);
      for (const c of laid.childrenOf.get(up) ?? []) near.add(c);
      up = laid.parentOf.get(up) ?? null;
    }
    return { nodes: [...near].map((id) => ({ id })), maxZoom: 1, minZoom: 0.5 };
  }, [laid]);
  const [selection] = useState(() => new Selection());
  useEffect(() => selection.set(selected), [selection, selected]);
  const onSelectRef = useRef(onSelect);
  useEffect(() => {
    onSelectRef.current = onSelect;
  }, [onSelect]);

  const focusNode = useCallback(
    (id: string) => {
      const n = byId.get(id);
      if (!n) return;
      void rf.setCenter(n.x + NODE_WIDTH / 2, n.y + NODE_HEIGHT / 2, { zoom: rf.getZoom(), duration: 0 });
      requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-tree-node="${CSS.escape(id)}"]`)?.focus());
    },
    [byId, rf],
  );

  const ctx = useMemo<TreeContext>(
    () => ({
      selection,
      select: (id) => {
        selection.set(id);
        onSelectRef.current(id);
      },
      expand: (runId) => {
        setExpanded((s) => new Set([...s, runId]));
        const first = byId.get(runId);
        if (first?.kind === 'run') requestAnimationFrame(() => focusNode(first.names[0]!));
      },
      onKey: (id, e) => {
        const siblings = laid.childrenOf.get(laid.parentOf.get(id) ?? '') ?? [];
        const roots = laid.nodes.filter((n) => n.parent === null).map((n) => n.id);
        const row = laid.parentOf.get(id) === null ? roots : siblings;
        const i = row.indexOf(id);
        const target =
          e.key === 'ArrowUp'
            ? laid.parentOf.get(id)
            : e.key === 'ArrowDown'
              ? laid.childrenOf.get(id)?.[0]
              : e.key === 'ArrowLeft'
                ? row[i - 1]
                : e.key === 'ArrowRight'
                  ? row[i + 1]
                  : undefined;
        if (!['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight'].includes(e.key)) return;
        e.preventDefault();
        if (target) focusNode(target);
      },
    }),
    [selection, byId, laid, focusNode],
  );

  return (
    <Ctx.Provider value={ctx}>
      <div
        role="group"
        aria-label="Snapshot tree"
        className={cn('h-[28rem] rounded border border-slate-200 dark:border-slate-800', className)}
      >
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          fitView
          fitViewOptions={fitOptions}
          minZoom={0.05}
          maxZoom={2}
          nodesDraggable={false}
          nodesConnectable={false}
          nodesFocusable={false}
          edgesFocusable={false}
          elementsSelectable={false}
          onlyRenderVisibleElements={nodes.length > 150}
          colorMode="system"
          proOptions={{ hideAttribution: true }}
        >
          <Background gap={16} />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
    </Ctx.Provider>
  );
}

export { NOW_ID };
