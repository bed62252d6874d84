import { randomUUID } from 'node:crypto';
import type { Db } from '@/server/db';

/**
 * Takes or renews the lease `name` for `holder` until now + ttl. True when this
 * holder has it: it held it already, or the previous holder let it expire. With
 * several consoles on one PostgreSQL, only the holder runs the worker.
 */
export async function holdLease(db: Db, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const expires = new Date(Date.now() + ttlMs);
  const rows = await db.$queryRaw<{ holder: string }[]>`
    INSERT INTO "Lease" ("name", "holder", "expiresAt") VALUES (${name}, ${holder}, ${expires})
    ON CONFLICT ("name") DO UPDATE SET "holder" = EXCLUDED."holder", "expiresAt" = EXCLUDED."expiresAt"
    WHERE "Lease"."holder" = EXCLUDED."holder" OR "Lease"."expiresAt" < now()
    RETURNING "holder"`;
  return rows.length === 1 && rows[0]?.holder === holder;
}

export type Loop = { stop(): void; tick(): Promise<void> };

export type LoopOptions = {
  /** The lease's name, and the loop's in log lines. */
  name: string;
  intervalMs: number;
  /** Run the first round now rather than after one interval. */
  immediately: boolean;
  /** Called instead of `work` in a round where another console holds the lease. */
  follower?: () => void;
  log: (line: string) => void;
};

/**
 * Runs `work` every interval while this console holds the lease `name`
 * (renewed each round for three intervals): with several consoles on one
 * database, one of them does it, and another takes over within three
 * intervals when it stops. A round never overlaps the previous one; `tick`
 * runs one at once (tests). What `work` throws is logged with the loop's name.
 */
export function leaderLoop(db: Db, options: LoopOptions, work: () => Promise<void>): Loop {
  const holder = randomUUID();
  let running = false;

  async function tick(): Promise<void> {
    if (running) return;
    running = true;
    try {
      if (await holdLease(db, options.name, holder, options.intervalMs * 3)) await work();
      else options.follower?.();
    } catch (e) {
      options.log(`${options.name}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      running = false;
    }
  }

  const timer = setInterval(() => void tick(), options.intervalMs);
  if (options.immediately) void tick();
  return { stop: () => clearInterval(timer), tick };
}

/**
 * Logs a failure once per outage rather than every round, and the recovery
 * when there is something to say about it: `failed(key, message)` logs the
 * first failure of `key`; `ok(key, message)` logs `message` if `key` was failing.
 */
export function outageLog(log: (line: string) => void): {
  failed(key: string, message: string): void;
  ok(key: string, message?: string): void;
} {
  const failing = new Set<string>();
  return {
    failed(key, message) {
      if (!failing.has(key)) log(message);
      failing.add(key);
    },
    ok(key, message) {
      if (failing.delete(key) && message) log(message);
    },
  };
}
