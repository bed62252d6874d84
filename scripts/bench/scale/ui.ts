import { chromium } from '@playwright/test';
import { percentile } from './load';

// In-page code is passed as text: the TypeScript loader wraps named functions
// in a helper that does not exist in the page.
const SET_SEARCH = `(value) => {
  const input = document.querySelector('input[aria-label="Search the resource tree"]');
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, value);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}`;
const GUEST_ROWS = `() => [...document.querySelectorAll('[role=tree] [role=treeitem][aria-level="3"]')]`;

/** Marks when the tree's data has been read (its fetch body consumed), and when its rows first show. */
const MARK_TREE = `(() => {
  const fetch0 = window.fetch.bind(window);
  window.fetch = async (...a) => {
    const res = await fetch0(...a);
    const url = String(a[0] instanceof Request ? a[0].url : a[0]);
    if (url.includes('cluster.resources') && window.__dataAt === undefined) {
      const body = await res.clone().text();
      if (body.length > 1000) window.__dataAt = performance.now();
    }
    return res;
  };
  new MutationObserver(() => {
    if (window.__dataAt !== undefined && window.__rowsAt === undefined && (${GUEST_ROWS})().length > 5)
      window.__rowsAt = performance.now();
  }).observe(document, { childList: true, subtree: true });
})()`;

/** From a search typed in the tree to the moment every row shown matches it. */
const SEARCH = `async (needle) => {
  const t0 = performance.now();
  (${SET_SEARCH})(needle);
  return new Promise((resolve) => {
    const check = () => {
      const items = (${GUEST_ROWS})();
      if (items.length > 0 && items.every((i) => i.textContent.includes(needle))) resolve(performance.now() - t0);
      else requestAnimationFrame(check);
    };
    check();
  });
}`;

/** Clears the search, then from a jump to the end of the tree to its last rows painted. */
const SCROLL = `async () => {
  (${SET_SEARCH})('');
  await new Promise((r) => setTimeout(r, 300));
  const scroller = document.querySelector('[role=tree]').parentElement;
  const t0 = performance.now();
  scroller.scrollTop = scroller.scrollHeight;
  return new Promise((resolve) => {
    const check = () => {
      const last = (${GUEST_ROWS})().at(-1)?.getBoundingClientRect();
      if (last && last.bottom <= scroller.getBoundingClientRect().bottom + 40) resolve(performance.now() - t0);
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
}`;

/**
 * Renders the console in Debian's Chromium, signed in, with the whole cluster
 * in the resource tree, and measures in the page itself (no instrumentation
 * in the product): from the moment the tree's data has arrived to the moment
 * its rows are on screen, and from a keystroke in the tree search to the
 * filtered rows on screen. Medians of several runs.
 */
export async function benchTreeUi(origin: string, cookie: string, guests: number): Promise<Record<string, number>> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 900 } });
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];
    await context.addCookies([{ name, value, url: origin }]);
    await context.addInitScript(MARK_TREE);

    const render: number[] = [];
    const loaded: number[] = [];
    const search: number[] = [];
    const scroll: number[] = [];
    for (let run = 0; run < 5; run++) {
      const page = await context.newPage();
      await page.goto(`${origin}/datacenter`);
      await page.waitForFunction(() => (window as unknown as { __rowsAt?: number }).__rowsAt !== undefined, null, {
        timeout: 60_000,
      });
      const t = await page.evaluate(() => {
        const w = window as unknown as { __dataAt: number; __rowsAt: number };
        return { data: w.__dataAt, rows: w.__rowsAt };
      });
      render.push(t.rows - t.data);
      loaded.push(t.rows);

      // One keystroke's worth of search: a vmid in the middle of the cluster.
      const target = String(1000 + Math.floor(guests / 2) + run);
      search.push(await page.evaluate<number>(`(${SEARCH})(${JSON.stringify(target)})`));

      // Clear the search, then jump to the end of the list: the rows there render at once.
      scroll.push(await page.evaluate<number>(`(${SCROLL})()`));
      await page.close();
    }
    return {
      'tree rows on screen after its data arrived (median of 5)': percentile(render, 50),
      'page load to tree rows on screen (median of 5)': percentile(loaded, 50),
      'search keystroke to filtered rows (median of 5)': percentile(search, 50),
      'scroll to the end to rows painted (median of 5)': percentile(scroll, 50),
    };
  } finally {
    await browser.close();
  }
}
