/** The part of an interval over which per-node work is spread. */
const SPREAD = 0.7;

/**
 * Runs `fn` for every item, their starts spaced evenly over most of
 * `intervalMs` rather than all at once: a hundred nodes' polls in one burst
 * every 10 s hold the event loop for a second, a latency spike for every user.
 * Resolves when every call has settled.
 */
export async function spreadOver<T>(
  items: readonly T[],
  intervalMs: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const spacing = (intervalMs * SPREAD) / Math.max(1, items.length);
  await Promise.all(
    items.map(async (item, i) => {
      if (i > 0) await new Promise((r) => setTimeout(r, i * spacing));
      await fn(item);
    }),
  );
}
