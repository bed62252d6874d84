import { z } from 'zod';
import { ZUserid } from '@/server/access/userid';
import { byOf } from '@/server/services/access/by';
import {
  changePassword,
  createUser,
  deleteUser,
  listUsers,
  updateUser,
  ZChangePassword,
  ZCreateUser,
  ZUpdateUser,
  ZUserRow,
} from '@/server/services/access/users';
import { authedProcedure, checkedProcedure, router } from '@/server/trpc';

const ZDone = z.object({ userid: z.string() });

export const usersRouter = router({
  /** Users the caller may see (Proxmox's `GET /access/users`): filtered in the service. */
  list: authedProcedure.output(z.array(ZUserRow)).query(({ ctx }) => listUsers(ctx.db, ctx.perms, ctx.actor.userid)),

  /** `POST /access/users`: Realm.AllocateUser on the realm, and User.Modify on /access/groups or on every group given. */
  create: checkedProcedure({
    test: 'and',
    checks: [{ test: 'realm-allocate-user' }, { test: 'user-group', privileges: ['User.Modify'], groups: 'create' }],
  })
    .input(ZCreateUser)
    .output(ZDone)
    .mutation(({ ctx, input }) => createUser(ctx.db, byOf(ctx), input)),

  /** `PUT /access/users/{userid}`: User.Modify on /access/groups or on a group of the user (and on groups changed). */
  update: checkedProcedure({ test: 'user-group', privileges: ['User.Modify'], groups: 'update' })
    .input(ZUpdateUser)
    .output(ZDone)
    .mutation(({ ctx, input }) => updateUser(ctx.db, byOf(ctx), input)),

  /** `DELETE /access/users/{userid}`. */
  delete: checkedProcedure({
    test: 'and',
    checks: [{ test: 'realm-allocate-user' }, { test: 'user-group', privileges: ['User.Modify'] }],
  })
    .input(z.object({ userid: ZUserid }))
    .output(ZDone)
    .mutation(({ ctx, input }) => deleteUser(ctx.db, byOf(ctx), input.userid)),

  /** `PUT /access/password`: oneself (with the current password), or Realm.AllocateUser and User.Modify over the user. Not for tokens. */
  changePassword: checkedProcedure({
    test: 'and',
    checks: [
      { test: 'session' },
      {
        test: 'or',
        checks: [
          { test: 'self' },
          {
            test: 'and',
            checks: [{ test: 'realm-allocate-user' }, { test: 'user-group', privileges: ['User.Modify'] }],
          },
        ],
      },
    ],
  })
    .input(ZChangePassword)
    .output(ZDone)
    .mutation(({ ctx, input }) => changePassword(ctx.db, byOf(ctx), input)),
});
