import { expect, type Locator, type Page } from '@playwright/test';

/** What the noVNC canvas shows: how many colours (up to 64) and a hash of its pixels. */
export async function canvasStats(scope: Page | Locator): Promise<{ colours: number; hash: number; width: number }> {
  return scope
    .locator('[data-testid="vnc-screen"] canvas')
    .first()
    .evaluate((c: HTMLCanvasElement) => {
      const ctx = c.getContext('2d');
      if (!ctx || !c.width || !c.height) return { colours: 0, hash: 0, width: 0 };
      const { data } = ctx.getImageData(0, 0, c.width, c.height);
      const colours = new Set<number>();
      let hash = 0;
      for (let i = 0; i < data.length; i += 4) {
        const v = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
        if (colours.size < 64) colours.add(v);
        hash = (Math.imul(hash, 31) + v) | 0;
      }
      return { colours: colours.size, hash, width: c.width };
    });
}

/** The console's visible connection state. */
export function consoleStatus(scope: Page | Locator): Locator {
  return scope.getByRole('status', { name: 'Console connection' });
}

/** Waits until the console is connected and its canvas shows more than one colour. */
export async function expectPixels(page: Page): Promise<void> {
  await expect(consoleStatus(page)).toHaveAttribute('data-phase', 'connected', { timeout: 60_000 });
  await expect.poll(async () => (await canvasStats(page)).colours, { timeout: 60_000 }).toBeGreaterThan(1);
}

/** From inside the page: a ticket, then two websockets with it; the second's close code and reason. */
export async function reuseTicketFromPage(
  page: Page,
  vmid: number,
): Promise<{ first: string; code: number; reason: string }> {
  return page.evaluate(async (id) => {
    const res = await fetch('/api/trpc/console.ticket', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: { vmid: id, kind: 'vnc' } }),
    });
    const { ticket, path } = ((await res.json()) as { result: { data: { json: { ticket: string; path: string } } } })
      .result.data.json;
    const url = `wss://${location.host}${path}?ticket=${ticket}`;
    const first = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      ws.onmessage = (e) => {
        resolve(new TextDecoder().decode(e.data as ArrayBuffer).slice(0, 12));
        ws.close();
      };
      ws.onclose = (e) => reject(new Error(`first connection closed: ${e.code} ${e.reason}`));
    });
    const second = await new Promise<{ code: number; reason: string }>((resolve) => {
      const ws = new WebSocket(url);
      ws.onclose = (e) => resolve({ code: e.code, reason: e.reason });
    });
    return { first, ...second };
  }, vmid);
}
