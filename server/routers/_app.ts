import { router } from '@/server/trpc';
import { accessRouter } from './access';
import { authRouter } from './auth';
import { clusterRouter } from './cluster';
import { sessionRouter } from './session';
import { setupRouter } from './setup';
import { taskRouter } from './task';

export const appRouter = router({
  access: accessRouter,
  auth: authRouter,
  cluster: clusterRouter,
  session: sessionRouter,
  setup: setupRouter,
  task: taskRouter,
});

export type AppRouter = typeof appRouter;
