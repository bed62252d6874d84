/**
 * Open-model load: requests are sent at a fixed arrival rate whatever the
 * answers do, so latency is the server's and not queueing behind the load
 * generator's own concurrency. Latency counts from the moment a request was
 * due, so a late generator makes the figures worse, never better.
 */
export type Call = { name: string; weight: number; run: () => Promise<unknown> };

export type CallStats = { name: string; latencies: number[]; errors: number; firstError?: string };

export type LoadResult = { perCall: CallStats[]; seconds: number; sent: number; completed: number };

/** A small deterministic generator, so every run sends the same mix in the same order. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function openLoad(calls: Call[], ratePerSecond: number, seconds: number, seed = 1): Promise<LoadResult> {
  const random = seeded(seed);
  const total = calls.reduce((s, c) => s + c.weight, 0);
  const pick = (): Call => {
    let r = random() * total;
    for (const c of calls) if ((r -= c.weight) < 0) return c;
    return calls[calls.length - 1]!;
  };
  const stats = new Map(calls.map((c) => [c.name, { name: c.name, latencies: [], errors: 0 } as CallStats]));
  const count = Math.round(ratePerSecond * seconds);
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  let sent = 0;
  let completed = 0;

  while (sent < count) {
    const due = Math.min(count, Math.floor(((performance.now() - start) * ratePerSecond) / 1000) + 1);
    while (sent < due) {
      const dueAt = start + (sent * 1000) / ratePerSecond;
      const call = pick();
      const s = stats.get(call.name)!;
      sent++;
      const p = call
        .run()
        .then(
          () => void s.latencies.push(performance.now() - dueAt),
          (e: unknown) => {
            s.errors++;
            s.firstError ??= e instanceof Error ? e.message : String(e);
          },
        )
        .finally(() => {
          completed++;
          inFlight.delete(p);
        });
      inFlight.add(p);
    }
    const nextDue = start + (sent * 1000) / ratePerSecond;
    await new Promise((r) => setTimeout(r, Math.max(0, nextDue - performance.now())));
  }
  await Promise.all(inFlight);
  return { perCall: [...stats.values()], seconds: (performance.now() - start) / 1000, sent, completed };
}

/** Nearest-rank percentile of unsorted values (milliseconds); NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
