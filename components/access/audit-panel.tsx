'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { DataTable, type Column } from '@/components/ui/data-table';
import { SelectField, TextField } from '@/components/ui/field';
import { FormCard } from '@/components/ui/form-card';
import { formatDateTime } from '@/components/ui/format';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import type { AuditRow } from '@/server/services/audit/query';
import { text } from './form-values';

const COLUMNS: Column<AuditRow>[] = [
  { key: 'at', header: 'Time', value: (e) => e.at.getTime(), render: (e) => formatDateTime(e.at) },
  { key: 'actor', header: 'Who', value: (e) => e.actor },
  { key: 'ip', header: 'From', value: (e) => e.ip },
  { key: 'action', header: 'Action', value: (e) => e.action },
  { key: 'target', header: 'Target', value: (e) => e.target },
  { key: 'result', header: 'Result', value: (e) => e.result },
];

type Filter = { actor?: string; action?: string; result?: 'ok' | 'error'; from?: Date; to?: Date };

function exportHref(f: Filter): string {
  const p = new URLSearchParams();
  if (f.actor) p.set('actor', f.actor);
  if (f.action) p.set('action', f.action);
  if (f.result) p.set('result', f.result);
  if (f.from) p.set('from', f.from.toISOString());
  if (f.to) p.set('to', f.to.toISOString());
  return `/api/audit/export?${p.toString()}`;
}

/** The audit trail: filter by who, what, result and time; export the same selection as JSON lines. */
export function AuditPanel() {
  const trpc = useTRPC();
  const [filter, setFilter] = useState<Filter>({});
  const events = useQuery(trpc.access.audit.list.queryOptions({ ...filter, limit: 500 }));
  return (
    <Section
      title="Audit log"
      actions={
        <a href={exportHref(filter)} download className="text-sm text-brand-700 underline dark:text-brand-500">
          Export JSON lines
        </a>
      }
    >
      <FormCard
        title="Filter events"
        submit="Apply"
        busy={events.isFetching}
        onSubmit={(f) => {
          const result = text(f, 'result');
          const from = text(f, 'from');
          const to = text(f, 'to');
          setFilter({
            ...(text(f, 'actor') ? { actor: text(f, 'actor') } : {}),
            ...(text(f, 'action') ? { action: text(f, 'action') } : {}),
            ...(result === 'ok' || result === 'error' ? { result } : {}),
            ...(from ? { from: new Date(from) } : {}),
            ...(to ? { to: new Date(to) } : {}),
          });
        }}
      >
        <div className="grid grid-cols-3 gap-3">
          <TextField label="Actor" name="actor" />
          <TextField label="Action" name="action" hint="prefix, e.g. user. or auth.sign-in" />
          <SelectField label="Result" name="result" defaultValue="">
            <option value="">any</option>
            <option value="ok">ok</option>
            <option value="error">error</option>
          </SelectField>
          <TextField label="From" name="from" type="datetime-local" />
          <TextField label="To" name="to" type="datetime-local" />
        </div>
      </FormCard>
      {events.error && <Alert>{events.error.message}</Alert>}
      <DataTable label="Audit events" rows={events.data ?? []} columns={COLUMNS} rowKey={(e) => e.id} />
    </Section>
  );
}
