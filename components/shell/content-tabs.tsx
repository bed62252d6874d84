'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { cn } from '@/components/ui/cn';

/** The content pane: a title, a row of tabs (one route each) and the active tab's page. */
export function ContentTabs({
  title,
  tabs,
  actions,
  children,
}: {
  title: string;
  tabs: { href: string; label: string }[];
  actions?: ReactNode;
  children: ReactNode;
}) {
  const pathname = usePathname();
  return (
    <div className="flex h-full flex-col">
      <div className="flex items-center justify-between gap-3 border-b border-slate-200 bg-white px-4 py-2 dark:border-slate-800 dark:bg-slate-900">
        <h1 className="text-base font-semibold">{title}</h1>
        {actions}
      </div>
      <div className="flex min-h-0 flex-1">
        <nav
          aria-label={`${title} sections`}
          className="w-44 shrink-0 border-r border-slate-200 bg-white py-2 dark:border-slate-800 dark:bg-slate-900"
        >
          <ul role="tablist" aria-orientation="vertical">
            {tabs.map((t) => {
              const active = pathname === t.href;
              return (
                <li key={t.href} role="presentation">
                  <Link
                    role="tab"
                    aria-selected={active}
                    href={t.href}
                    className={cn(
                      'block px-4 py-1.5 text-sm',
                      active
                        ? 'bg-brand-50 font-medium text-brand-700 dark:bg-slate-800 dark:text-brand-500'
                        : 'hover:bg-slate-100 dark:hover:bg-slate-800',
                    )}
                  >
                    {t.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <div role="tabpanel" className="min-w-0 flex-1 overflow-auto p-4">
          {children}
        </div>
      </div>
    </div>
  );
}
