import { parentPort } from 'node:worker_threads';
import { closeDb, getDb } from '@/server/db';
import { env } from '@/server/env';
import { lowerThreadPriority, startLoops } from './background';

/**
 * The background loops in their own thread (PostgreSQL only: see
 * startBackground), on their own database client. Stops on the message `stop`.
 */
async function main(): Promise<void> {
  lowerThreadPriority(console.log);
  const loops = startLoops(await getDb(), env());
  parentPort!.on('message', (message) => {
    if (message !== 'stop') return;
    void loops
      .stop()
      .then(() => closeDb())
      .finally(() => process.exit(0));
  });
}

void main();
