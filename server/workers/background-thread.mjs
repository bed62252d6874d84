// The background thread's entry (server/workers/background.ts): a worker thread
// does not inherit the process's `--import tsx`, so it registers tsx itself.
import { register } from 'tsx/esm/api';

register();
await import('./background-thread.ts');
