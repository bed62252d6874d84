import { router } from '@/server/trpc';
import { accessRouter } from './access';
import { authRouter } from './auth';
import { clusterRouter } from './cluster';
import { consoleRouter } from './console';
import { metricsRouter } from './metrics';
import { nodeRouter } from './node';
import { sessionRouter } from './session';
import { setupRouter } from './setup';
import { snapshotRouter } from './snapshot';
import { taskRouter } from './task';
import { vmRouter } from './vm';

export const appRouter = router({
  access: accessRouter,
  auth: authRouter,
  cluster: clusterRouter,
  console: consoleRouter,
  metrics: metricsRouter,
  node: nodeRouter,
  session: sessionRouter,
  setup: setupRouter,
  snapshot: snapshotRouter,
  task: taskRouter,
  vm: vmRouter,
});

export type AppRouter = typeof appRouter;
