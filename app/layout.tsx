import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Providers } from '@/components/trpc';
import { THEME_SCRIPT } from '@/components/shell/theme-script';
import './globals.css';

export const metadata: Metadata = {
  title: 'Horcrux',
  description: 'Virtualization management for your own hosts',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body className="antialiased">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
