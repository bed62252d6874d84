import { router } from '@/server/trpc';
import { aclRouter } from './acl';
import { auditRouter } from './audit';
import { groupsRouter } from './groups';
import { permissionsRouter } from './permissions';
import { poolsRouter } from './pools';
import { realmsRouter } from './realms';
import { rolesRouter } from './roles';
import { tfaRouter } from './tfa';
import { tokensRouter } from './tokens';
import { usersRouter } from './users';

/** Identity and access: Datacenter → Permissions and the audit log. */
export const accessRouter = router({
  users: usersRouter,
  groups: groupsRouter,
  roles: rolesRouter,
  acl: aclRouter,
  pools: poolsRouter,
  realms: realmsRouter,
  tokens: tokensRouter,
  tfa: tfaRouter,
  permissions: permissionsRouter,
  audit: auditRouter,
});
