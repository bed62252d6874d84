import { defineConfig } from '@playwright/test';

const PORT = Number(process.env.E2E_PORT ?? 18006);

/** e2e runs against a production build of the console, on a fresh data directory, over HTTPS. */
export default defineConfig({
  testDir: 'e2e',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `https://localhost:${PORT}`,
    ignoreHTTPSErrors: true,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  // The first-run spec creates the administrator every other spec signs in as.
  projects: [
    { name: 'first-run', testMatch: /setup-signin\.spec\.ts/ },
    { name: 'console', testIgnore: /setup-signin\.spec\.ts/, dependencies: ['first-run'] },
  ],
  webServer: {
    command: 'bash e2e/start-console.sh',
    url: `https://localhost:${PORT}/login`,
    ignoreHTTPSErrors: true,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: { HORCRUX_PORT: String(PORT) },
  },
});
