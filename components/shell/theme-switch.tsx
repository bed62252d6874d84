'use client';
import { useEffect, useSyncExternalStore } from 'react';
import { Button } from '@/components/ui/button';

type Theme = 'system' | 'light' | 'dark';
const KEY = 'horcrux.theme';
const NEXT: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };
const listeners = new Set<() => void>();

function read(): Theme {
  const stored = localStorage.getItem(KEY);
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

function apply(theme: Theme): void {
  const dark = theme === 'dark' || (theme === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.classList.toggle('dark', dark);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Cycles system → light → dark; "system" follows prefers-color-scheme live. */
export function ThemeSwitch() {
  const theme = useSyncExternalStore(subscribe, read, () => 'system' as const);
  useEffect(() => {
    if (theme !== 'system') return;
    const mq = matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => apply('system');
    mq.addEventListener('change', onChange);
    return () => mq.removeEventListener('change', onChange);
  }, [theme]);
  const cycle = () => {
    const next = NEXT[theme];
    if (next === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, next);
    apply(next);
    listeners.forEach((l) => l());
  };
  const label = `Theme: ${theme}`;
  return (
    <Button variant="ghost" onClick={cycle} aria-label={label} title={label}>
      {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'}
      <span className="hidden sm:inline">{theme}</span>
    </Button>
  );
}
