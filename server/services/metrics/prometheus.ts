import type { Db } from '@/server/db';
import type { Permissions } from '@/server/services/access/permissions';
import { isOnline } from '@/server/services/nodes/nodes';
import { latestAll, type Latest } from './query';

type Labels = Record<string, string | number>;
export type Family = { name: string; help: string; samples: { labels: Labels; value: number }[] };

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Prometheus text exposition format 0.0.4, every family a gauge. */
export function renderExposition(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} gauge`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabel(String(v))}"`)
        .join(',');
      out.push(`${f.name}{${labels}} ${Number.isFinite(s.value) ? s.value : 'NaN'}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** One family per field of the newest samples; series without the field are left out. */
function fromLatest(
  rows: Latest[],
  labels: (r: Latest) => Labels,
  spec: [name: string, help: string, field: string, scale?: number][],
): Family[] {
  return spec.map(([name, help, field, scale = 1]) => ({
    name,
    help,
    samples: rows.flatMap((r) =>
      typeof r[field] === 'number' ? [{ labels: labels(r), value: r[field] * scale }] : [],
    ),
  }));
}

/** Who may see what: a caller's permissions, or everything for the operator's own export (OTLP). */
export type Visibility = Pick<Permissions, 'has'>;

export const SEE_ALL: Visibility = { has: () => true };

/**
 * The exported metrics: the newest sample of every node, guest and storage the
 * caller may audit, and task counts. Values are those of the graphs (rates
 * computed by the agent over its 10 s interval).
 */
export async function metricFamilies(db: Db, perms: Visibility): Promise<Family[]> {
  const since = new Date(Date.now() - 86_400_000);
  const [nodes, guests, nodeRows, guestRows, storageRows, tasks] = await Promise.all([
    db.node.findMany({ select: { name: true, lastSeenAt: true } }),
    db.guest.findMany({ select: { vmid: true, name: true, nodeName: true, status: true } }),
    latestAll(db, 'node'),
    latestAll(db, 'guest'),
    latestAll(db, 'storage'),
    db.task.groupBy({ by: ['node', 'status'], where: { startedAt: { gte: since } }, _count: { _all: true } }),
  ]);
  const nodeOk = (n: string) => perms.has('Sys.Audit', `/nodes/${n}`);
  const visibleNodes = nodes.filter((n) => nodeOk(n.name));
  const visibleGuests = new Map(
    guests.filter((g) => perms.has('VM.Audit', `/vms/${g.vmid}`)).map((g) => [g.vmid, g] as const),
  );
  const nodeLabels = (r: Latest) => ({ node: String(r.node) });
  const guestLabels = (r: Latest) => {
    const g = visibleGuests.get(Number(r.vmid))!;
    return { vmid: g.vmid, name: g.name, node: g.nodeName };
  };
  const ownNodes = nodeRows.filter((r) => nodeOk(String(r.node)));
  const ownGuests = guestRows.filter((r) => visibleGuests.has(Number(r.vmid)));
  const ownStorages = storageRows.filter(
    (r) => nodeOk(String(r.node)) && perms.has('Datastore.Audit', `/storage/${String(r.storage)}`),
  );
  const taskState = (status: string) =>
    status === 'running' ? 'running' : status === 'OK' ? 'ok' : status.startsWith('WARNINGS') ? 'warning' : 'error';
  const taskCounts = new Map<string, { node: string; state: string; value: number }>();
  for (const t of tasks) {
    if (!nodeOk(t.node)) continue;
    const state = taskState(t.status);
    const key = `${t.node}|${state}`;
    const c = taskCounts.get(key) ?? { node: t.node, state, value: 0 };
    c.value += t._count._all;
    taskCounts.set(key, c);
  }

  return [
    {
      name: 'horcrux_node_up',
      help: 'Whether the node agent answered within the last 30 seconds.',
      samples: visibleNodes.map((n) => ({ labels: { node: n.name }, value: isOnline(n.lastSeenAt) ? 1 : 0 })),
    },
    ...fromLatest(ownNodes, nodeLabels, [
      ['horcrux_node_cpu_usage_cpus', 'CPUs busy on the node (1 = one CPU fully used).', 'cpu'],
      ['horcrux_node_cpus', 'CPUs of the node.', 'maxcpu'],
      ['horcrux_node_load1', 'Load average over 1 minute.', 'load1'],
      ['horcrux_node_memory_used_bytes', 'Memory used (total minus available).', 'memUsed'],
      ['horcrux_node_memory_total_bytes', 'Memory of the node.', 'memTotal'],
      ['horcrux_node_swap_used_bytes', 'Swap used.', 'swapUsed'],
      ['horcrux_node_swap_total_bytes', 'Swap size.', 'swapTotal'],
      ['horcrux_node_rootfs_used_bytes', 'Space used on the root file system.', 'rootUsed'],
      ['horcrux_node_rootfs_total_bytes', 'Size of the root file system.', 'rootTotal'],
      [
        'horcrux_node_network_receive_bytes_per_second',
        'Bytes received per second (not loopback or guest taps).',
        'netIn',
      ],
      ['horcrux_node_network_transmit_bytes_per_second', 'Bytes sent per second.', 'netOut'],
      ['horcrux_node_disk_read_bytes_per_second', 'Bytes read per second from whole disks.', 'diskRead'],
      ['horcrux_node_disk_written_bytes_per_second', 'Bytes written per second to whole disks.', 'diskWrite'],
      ['horcrux_node_pressure_cpu_ratio', 'PSI: share of time some task waited for CPU (avg10).', 'psiCpu', 0.01],
      ['horcrux_node_pressure_memory_ratio', 'PSI: share of time some task waited for memory (avg10).', 'psiMem', 0.01],
      ['horcrux_node_pressure_io_ratio', 'PSI: share of time some task waited for IO (avg10).', 'psiIo', 0.01],
    ]),
    {
      name: 'horcrux_guest_up',
      help: 'Whether the guest is running, as its node last reported.',
      samples: [...visibleGuests.values()].map((g) => ({
        labels: { vmid: g.vmid, name: g.name, node: g.nodeName },
        value: g.status === 'running' ? 1 : 0,
      })),
    },
    ...fromLatest(ownGuests, guestLabels, [
      ['horcrux_guest_cpu_usage_cpus', 'CPUs busy with the guest (QEMU process CPU time per second).', 'cpu'],
      ['horcrux_guest_cpus', 'vCPUs of the guest.', 'maxcpu'],
      ['horcrux_guest_memory_used_bytes', 'Resident memory of the guest process.', 'mem'],
      ['horcrux_guest_memory_configured_bytes', 'Memory configured for the guest.', 'maxmem'],
      ['horcrux_guest_disk_read_bytes_per_second', 'Bytes read per second by the guest (QMP blockstats).', 'diskRead'],
      ['horcrux_guest_disk_written_bytes_per_second', 'Bytes written per second by the guest.', 'diskWrite'],
      ['horcrux_guest_disk_read_operations_per_second', 'Read operations per second.', 'diskReadOps'],
      ['horcrux_guest_disk_write_operations_per_second', 'Write operations per second.', 'diskWriteOps'],
      [
        'horcrux_guest_network_receive_bytes_per_second',
        'Bytes received per second by the guest (tap devices).',
        'netIn',
      ],
      ['horcrux_guest_network_transmit_bytes_per_second', 'Bytes sent per second by the guest.', 'netOut'],
      ['horcrux_guest_uptime_seconds', 'Seconds since the guest process started.', 'uptime'],
    ]),
    ...fromLatest(ownStorages, (r) => ({ node: String(r.node), storage: String(r.storage) }), [
      ['horcrux_storage_used_bytes', 'Space used on the storage.', 'used'],
      ['horcrux_storage_total_bytes', 'Size of the storage.', 'total'],
    ]),
    {
      name: 'horcrux_tasks_recent',
      help: 'Tasks started in the last 24 hours, by node and state (running, ok, warning, error).',
      samples: [...taskCounts.values()].map((c) => ({ labels: { node: c.node, state: c.state }, value: c.value })),
    },
  ];
}

/** What a Prometheus scrape gets. */
export async function prometheusMetrics(db: Db, perms: Visibility): Promise<string> {
  return renderExposition(await metricFamilies(db, perms));
}
