import { expect, test, type Locator } from '@playwright/test';
import { signInAsAdmin } from './helpers';

const GRAPHS = ['CPU usage', 'Memory usage', 'Network traffic', 'Disk IO'];

/** A graph with data: recharts drew at least one curve through two or more points. */
async function expectDrawn(graph: Locator): Promise<void> {
  await expect(graph).toHaveAttribute('data-has-data', 'true', { timeout: 60_000 });
  await expect
    .poll(
      async () =>
        (
          await graph
            .locator('path.recharts-area-curve')
            .evaluateAll((paths) => paths.map((p) => p.getAttribute('d') ?? ''))
        ).some((d) => /L/.test(d)),
      { timeout: 60_000 },
    )
    .toBe(true);
}

test('the node Summary shows CPU, memory, network and disk IO graphs with data; switching the range reloads them', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await signInAsAdmin(page);
  await page.getByRole('tab', { name: 'Nodes' }).click();
  const nodes = page.getByRole('region', { name: 'Nodes' });
  await expect(nodes.getByRole('cell', { name: 'online' })).toBeVisible({ timeout: 30_000 });
  await nodes.getByRole('link').first().click();

  const panel = page.getByRole('region', { name: 'Graphs' });
  for (const title of GRAPHS) await expectDrawn(panel.getByRole('figure', { name: title }));
  // The CPU axis reads in CPUs, the memory axis in bytes.
  await expect(panel.getByRole('figure', { name: 'CPU usage' })).toContainText('CPU');
  await expect(panel.getByRole('figure', { name: 'Memory usage' })).toContainText(/[KMG]iB/);

  // Day: the console is asked for the day range, and the graphs are drawn from its answer.
  const dayAnswer = page.waitForResponse(
    (r) => r.url().includes('metrics.node') && decodeURIComponent(r.url()).includes('"range":"day"') && r.ok(),
  );
  await panel.getByRole('button', { name: 'Day' }).click();
  await dayAnswer;
  await expect(panel.getByRole('button', { name: 'Day' })).toHaveAttribute('aria-pressed', 'true');
  await expect(panel.getByTestId('graphs')).toHaveAttribute('data-range', 'day');
  for (const title of GRAPHS)
    await expect(panel.getByRole('figure', { name: title })).toHaveAttribute('data-has-data', 'true');
  await expectDrawn(panel.getByRole('figure', { name: 'CPU usage' }));

  // And back to the hour, with maxima this time.
  const hourMax = page.waitForResponse(
    (r) =>
      r.url().includes('metrics.node') &&
      decodeURIComponent(r.url()).includes('"range":"hour"') &&
      decodeURIComponent(r.url()).includes('"cf":"MAX"'),
  );
  await panel.getByRole('button', { name: 'Hour' }).click();
  await panel.getByRole('button', { name: 'Maximum' }).click();
  await hourMax;
  for (const title of GRAPHS) await expectDrawn(panel.getByRole('figure', { name: title }));
});

test('the datacenter dashboard shows nodes, guests and resource usage', async ({ page }) => {
  await signInAsAdmin(page);
  const summary = page.getByRole('region', { name: 'Summary' });
  await expect(summary.getByRole('group', { name: 'Nodes' })).toContainText('1 online');
  const resources = page.getByRole('region', { name: 'Resources' });
  await expect(resources.getByRole('meter', { name: 'Memory usage' })).toBeVisible();
  await expect(resources.getByRole('group', { name: 'Memory' })).toContainText(/ of [0-9.]+ GiB/, { timeout: 60_000 });
  await expect(page.getByRole('region', { name: 'Recent failures' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Top guests by CPU' })).toBeVisible();
});
