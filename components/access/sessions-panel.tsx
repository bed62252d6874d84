'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { formatDateTime } from '@/components/ui/format';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';

type Row = {
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  ip: string;
  userAgent: string;
  current: boolean;
};

const COLUMNS: Column<Row>[] = [
  {
    key: 'user',
    header: 'User',
    value: (s) => s.userId,
    render: (s) => (
      <>
        {s.userId}{' '}
        {s.current && <span className="rounded bg-emerald-100 px-1 text-xs text-emerald-800">this session</span>}
      </>
    ),
  },
  {
    key: 'created',
    header: 'Signed in',
    value: (s) => s.createdAt.getTime(),
    render: (s) => formatDateTime(s.createdAt),
  },
  {
    key: 'seen',
    header: 'Last seen',
    value: (s) => s.lastSeenAt.getTime(),
    render: (s) => formatDateTime(s.lastSeenAt),
  },
  { key: 'ip', header: 'Address', value: (s) => s.ip },
  { key: 'ua', header: 'Browser', value: (s) => s.userAgent, className: 'max-w-xs truncate' },
];

function SessionTable({
  label,
  rows,
  onRevoke,
  busy,
}: {
  label: string;
  rows: Row[];
  onRevoke: (id: string) => void;
  busy: boolean;
}) {
  return (
    <DataTable
      label={label}
      rows={rows}
      columns={COLUMNS}
      rowKey={(s) => s.id}
      actions={(s) => (
        <Button
          variant="secondary"
          disabled={busy}
          onClick={() => onRevoke(s.id)}
          aria-label={`Revoke session of ${s.userId} from ${s.ip}`}
        >
          Revoke
        </Button>
      )}
    />
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
      <Section title="My sessions">
        {mine.data && (
          <SessionTable
            label="My sessions"
            rows={mine.data}
            busy={revokeMine.isPending}
            onRevoke={(id) => revokeMine.mutate({ id })}
          />
        )}
      </Section>
      {me.data?.can.manageUsers && (
        <Section title="All sessions">
          {all.data && (
            <SessionTable
              label="All sessions"
              rows={all.data}
              busy={revokeAny.isPending}
              onRevoke={(id) => revokeAny.mutate({ id })}
            />
          )}
        </Section>
      )}
    </div>
  );
}
