'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { DataTable, type Column } from '@/components/ui/data-table';
import { TextField } from '@/components/ui/field';
import { FormCard } from '@/components/ui/form-card';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import type { Explanation } from '@/server/services/access/explain';
import { text } from './form-values';

type Verdict = Explanation['privileges'][number];

const COLUMNS: Column<Verdict>[] = [
  { key: 'privilege', header: 'Privilege', value: (v) => v.privilege },
  {
    key: 'granted',
    header: 'Granted',
    value: (v) => (v.granted ? 'yes' : 'no'),
    render: (v) => (
      <span className={v.granted ? 'font-medium text-emerald-700 dark:text-emerald-400' : 'text-slate-500'}>
        {v.granted ? 'yes' : 'no'}
      </span>
    ),
  },
  { key: 'reason', header: 'Why', value: (v) => v.reason, className: 'text-xs' },
];

type Query = { userid: string; token?: string; path: string };

/** "Why can alice start vm 101?": every privilege of a user or token on a path, and the entries deciding it. */
export function EffectivePanel() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const [q, setQ] = useState<Query | null>(null);
  const result = useQuery(
    trpc.access.permissions.explain.queryOptions(q ?? { userid: '', path: '/' }, { enabled: q !== null }),
  );
  return (
    <Section title="Effective permissions">
      <FormCard
        title="Check permissions"
        submit="Check"
        busy={result.isFetching}
        onSubmit={(f) => {
          const token = text(f, 'token');
          setQ({ userid: text(f, 'userid'), path: text(f, 'path') || '/', ...(token ? { token } : {}) });
        }}
      >
        <div className="grid grid-cols-3 gap-3">
          <TextField label="User" name="userid" key={me.data?.userid} defaultValue={me.data?.userid} required />
          <TextField label="Token name" name="token" hint="optional: check the user's token" />
          <TextField label="Path" name="path" defaultValue="/" required />
        </div>
      </FormCard>
      {result.error && <Alert>{result.error.message}</Alert>}
      {result.data && (
        <>
          <p className="text-sm">
            {result.data.actor} on <code>{result.data.path}</code>:{' '}
            {result.data.privileges.filter((p) => p.granted).length} of {result.data.privileges.length} privileges
          </p>
          <DataTable label="Privileges" rows={result.data.privileges} columns={COLUMNS} rowKey={(v) => v.privilege} />
        </>
      )}
    </Section>
  );
}
