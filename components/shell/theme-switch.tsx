'use client';
import { useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';

type Theme = 'system' | 'light' | 'dark';
const NEXT: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };
const LABEL: Record<Theme, string> = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };

function apply(theme: Theme): void {
  const dark = theme === 'dark' || (theme === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.classList.toggle('dark', dark);
}

export function ThemeSwitch() {
  const [theme, setTheme] = useState<Theme>('system');
  useEffect(() => {
    const stored = localStorage.getItem('horcrux.theme');
    setTheme(stored === 'light' || stored === 'dark' ? stored : 'system');
  }, []);
  useEffect(() => {
    if (theme !== 'system') return;
    const mq = matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => apply('system');
    mq.addEventListener('change', onChange);
    return () => mq.removeEventListener('change', onChange);
  }, [theme]);
  const cycle = () => {
    const next = NEXT[theme];
    if (next === 'system') localStorage.removeItem('horcrux.theme');
    else localStorage.setItem('horcrux.theme', next);
    apply(next);
    setTheme(next);
  };
  return (
    <Button variant="ghost" onClick={cycle} aria-label={LABEL[theme]} title={LABEL[theme]}>
      {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'}
      <span className="hidden sm:inline">{theme}</span>
    </Button>
  );
}
