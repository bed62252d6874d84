'use client';
import type { ReactNode } from 'react';
import { ResourceTree } from './resource-tree';
import { TaskStrip } from './task-strip';
import { TopBar } from './top-bar';

/** The console's frame, as in Proxmox: top bar, resource tree, content, task log. */
export function Shell({ userid, children }: { userid: string; children: ReactNode }) {
  return (
    <div className="grid h-screen grid-cols-[16rem_1fr] grid-rows-[3rem_1fr_12rem]">
      <TopBar userid={userid} />
      <nav
        aria-label="Resource tree"
        className="row-start-2 min-h-0 overflow-hidden border-r border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900"
      >
        <ResourceTree />
      </nav>
      <main className="row-start-2 overflow-auto">{children}</main>
      <TaskStrip />
    </div>
  );
}
