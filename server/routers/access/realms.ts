import { z } from 'zod';
import { REALM_RE } from '@/server/access/userid';
import { byOf } from '@/server/services/access/by';
import {
  deleteRealm,
  listRealmDetails,
  saveOidcRealm,
  ZOidcRealmInput,
  ZRealmRow,
} from '@/server/services/access/realms';
import { guardedProcedure, router } from '@/server/trpc';

const ZDone = z.object({ realm: z.string() });

/** Proxmox's `API2::Domains` checks /access/realm (not the realm) for reading and changing realms. */
export const realmsRouter = router({
  list: guardedProcedure(['Realm.Allocate', 'Sys.Audit'], '/access/realm', 'any')
    .output(z.array(ZRealmRow))
    .query(({ ctx }) => listRealmDetails(ctx.db, ctx.perms)),

  createOidc: guardedProcedure('Realm.Allocate', '/access/realm')
    .input(ZOidcRealmInput)
    .output(ZDone)
    .mutation(({ ctx, input }) => saveOidcRealm(ctx.db, byOf(ctx), input, 'create')),

  updateOidc: guardedProcedure('Realm.Allocate', '/access/realm')
    .input(ZOidcRealmInput)
    .output(ZDone)
    .mutation(({ ctx, input }) => saveOidcRealm(ctx.db, byOf(ctx), input, 'update')),

  delete: guardedProcedure('Realm.Allocate', '/access/realm')
    .input(z.object({ realm: z.string().regex(REALM_RE, 'not a realm name') }))
    .output(ZDone)
    .mutation(({ ctx, input }) => deleteRealm(ctx.db, byOf(ctx), input.realm)),
});
