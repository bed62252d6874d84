'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { formatDateTime } from '@/components/ui/format';
import { useTRPC } from '@/components/trpc';

type Row = { id: string; userId: string; createdAt: Date; lastSeenAt: Date; ip: string; userAgent: string; current: boolean };

function SessionTable({ rows, onRevoke, busy }: { rows: Row[]; onRevoke: (id: string) => void; busy: boolean }) {
  return (
    <table className="w-full text-left text-sm">
      <thead className="text-xs text-slate-500">
        <tr>
          <th className="py-1 pr-3 font-medium">User</th>
          <th className="py-1 pr-3 font-medium">Signed in</th>
          <th className="py-1 pr-3 font-medium">Last seen</th>
          <th className="py-1 pr-3 font-medium">Address</th>
          <th className="py-1 pr-3 font-medium">Browser</th>
          <th className="py-1 font-medium">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((s) => (
          <tr key={s.id} className="border-t border-slate-200 dark:border-slate-800">
            <td className="py-1 pr-3">
              {s.userId} {s.current && <span className="rounded bg-emerald-100 px-1 text-xs text-emerald-800">this session</span>}
            </td>
            <td className="py-1 pr-3">{formatDateTime(s.createdAt)}</td>
            <td className="py-1 pr-3">{formatDateTime(s.lastSeenAt)}</td>
            <td className="py-1 pr-3">{s.ip}</td>
            <td className="max-w-xs truncate py-1 pr-3" title={s.userAgent}>
              {s.userAgent}
            </td>
            <td className="py-1 text-right">
              <Button variant="secondary" disabled={busy} onClick={() => onRevoke(s.id)} aria-label={`Revoke session of ${s.userId} from ${s.ip}`}>
                Revoke
              </Button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The caller's own sessions, and everyone's for user administrators. */
export function SessionsPanel() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const me = useQuery(trpc.auth.me.queryOptions());
  const mine = useQuery(trpc.session.mine.queryOptions());
  const all = useQuery(trpc.session.all.queryOptions(undefined, { enabled: me.data?.can.manageUsers === true }));
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.session.pathKey() });
  const revokeMine = useMutation(trpc.session.revokeMine.mutationOptions({ onSuccess: refresh }));
  const revokeAny = useMutation(trpc.session.revoke.mutationOptions({ onSuccess: refresh }));
  const error = mine.error ?? all.error ?? revokeMine.error ?? revokeAny.error;
  return (
    <div className="space-y-6">
      {error && <Alert>{error.message}</Alert>}
      <section aria-labelledby="my-sessions">
        <h2 id="my-sessions" className="mb-2 font-semibold">
          My sessions
        </h2>
        {mine.data && <SessionTable rows={mine.data} busy={revokeMine.isPending} onRevoke={(id) => revokeMine.mutate({ id })} />}
      </section>
      {me.data?.can.manageUsers && (
        <section aria-labelledby="all-sessions">
          <h2 id="all-sessions" className="mb-2 font-semibold">
            All sessions
          </h2>
          {all.data && <SessionTable rows={all.data} busy={revokeAny.isPending} onRevoke={(id) => revokeAny.mutate({ id })} />}
        </section>
      )}
    </div>
  );
}
