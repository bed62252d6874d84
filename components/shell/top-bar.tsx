'use client';
import { useQuery } from '@tanstack/react-query';
import { signOut } from 'next-auth/react';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { useTRPC } from '@/components/trpc';
import { CreateVmWizard } from '@/components/vm/create-vm-wizard';
import { ThemeSwitch } from './theme-switch';

export function TopBar({ userid }: { userid: string }) {
  const trpc = useTRPC();
  const info = useQuery(trpc.cluster.info.queryOptions());
  const [creating, setCreating] = useState(false);
  return (
    <header className="col-span-2 flex items-center justify-between border-b border-slate-200 bg-white px-3 dark:border-slate-800 dark:bg-slate-900">
      <div className="flex items-baseline gap-2">
        <span className="text-lg font-bold tracking-tight text-brand-700 dark:text-brand-500">Horcrux</span>
        <span className="text-xs text-slate-500">Virtual Environment</span>
      </div>
      <div className="flex items-center gap-2">
        {info.data?.can.createVm && <Button onClick={() => setCreating(true)}>Create VM</Button>}
        <CreateVmWizard open={creating} onClose={() => setCreating(false)} />
        <ThemeSwitch />
        <span className="text-sm" data-testid="current-user">
          {userid}
        </span>
        <Button variant="secondary" onClick={() => void signOut({ callbackUrl: '/login' })}>
          Sign out
        </Button>
      </div>
    </header>
  );
}
