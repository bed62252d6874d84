import { z } from 'zod';
import { ZUserid } from '@/server/access/userid';
import { AppError } from '@/server/errors';
import { listGroups } from '@/server/services/access/groups';
import { accessActorOf, groupsOfUser, loadAclTables, permissionsFrom } from '@/server/services/access/permissions';
import { listRealms } from '@/server/services/access/realms';
import { audit } from '@/server/services/audit/audit';
import { checkSignIn } from '@/server/services/access/sign-in';
import { listTokens } from '@/server/services/access/tokens';
import { listUsers } from '@/server/services/access/users';
import { ApiError } from '../errors';
import { zBool } from '../params';
import { createCsrfToken, createTicket, verifyTicket } from '../ticket';
import { endpoint, type Ctx } from '../types';
import { capabilities } from '../caps';

const ZTicketParams = z
  .object({
    username: z.string().min(1).max(128),
    password: z.string().min(1).max(4096),
    otp: z.string().max(64).optional(),
    realm: z.string().max(64).optional(),
    'new-format': zBool.optional(),
    path: z.string().optional(),
    privs: z.string().optional(),
    'tfa-challenge': z.string().optional(),
  })
  .strict();

const epoch = (d: Date | null) => (d ? Math.floor(d.getTime() / 1000) : 0);

/** The user list as Proxmox answers it (`full=1` adds groups and tokens). */
async function users(ctx: Ctx, full: boolean, enabled?: boolean) {
  const rows = await listUsers(ctx.db, ctx.perms, ctx.actor.userid);
  const out = [];
  for (const u of rows) {
    if (enabled !== undefined && u.enabled !== enabled) continue;
    out.push({
      userid: u.userid,
      enable: u.enabled ? 1 : 0,
      expire: epoch(u.expiresAt),
      ...(u.email ? { email: u.email } : {}),
      ...(u.firstName ? { firstname: u.firstName } : {}),
      ...(u.lastName ? { lastname: u.lastName } : {}),
      ...(u.comment ? { comment: u.comment } : {}),
      'realm-type': u.realmType,
      ...(full
        ? {
            groups: u.groups.join(','),
            tokens: (await listTokens(ctx.db, u.userid)).map((t) => ({
              tokenid: t.name,
              privsep: t.privsep ? 1 : 0,
              expire: epoch(t.expiresAt),
              comment: t.comment,
            })),
          }
        : {}),
    });
  }
  return out;
}

export const accessEndpoints = [
  endpoint({
    method: 'POST',
    path: '/access/ticket',
    access: { kind: 'public', why: 'the login: the credentials are the check' },
    params: ZTicketParams,
    handler: () => Promise.reject(new Error('public')),
    /**
     * Proxmox's login: username and password (and `otp` for users with a
     * second factor), or a valid ticket as the password to renew it. Every
     * rule of the console's sign-in applies (server/services/access/sign-in.ts).
     */
    publicHandler: async (ctx, p) => {
      const userid = p.username.includes('@') ? p.username : `${p.username}@${p.realm ?? 'local'}`;
      let user: string | null = null;
      if (p.password.startsWith('PVE:')) {
        user = verifyTicket(p.password);
        if (user !== userid) user = null;
        if (user) await audit(ctx.db, { actor: user, ip: ctx.ip, action: 'auth.ticket-renew', result: 'ok' });
      } else {
        try {
          user = await checkSignIn(ctx.db, {
            username: p.username,
            realm: p.realm,
            password: p.password,
            otp: p.otp,
            ip: ctx.ip,
            userAgent: ctx.userAgent,
          });
          await audit(ctx.db, { actor: user, ip: ctx.ip, action: 'auth.ticket', result: 'ok' });
        } catch (e) {
          if (e instanceof AppError && (e.code === 'UNAUTHENTICATED' || e.code === 'RATE_LIMITED'))
            throw new ApiError(401, `authentication failure`);
          throw e;
        }
      }
      if (!user) throw new ApiError(401, 'authentication failure');
      const tables = await loadAclTables(ctx.db);
      const perms = permissionsFrom({
        ...tables,
        actor: accessActorOf({ kind: 'ticket', userid: user }, (await groupsOfUser(ctx.db, user)) ?? []),
      });
      return {
        username: user,
        ticket: createTicket(user),
        CSRFPreventionToken: createCsrfToken(user),
        cap: capabilities(perms),
      };
    },
  }),
  endpoint({
    method: 'GET',
    path: '/access/domains',
    access: { kind: 'public', why: 'the realm list of the login form (world-readable in Proxmox)' },
    params: z.object({}).strict(),
    handler: () => Promise.reject(new Error('public')),
    publicHandler: async (ctx) =>
      (await listRealms(ctx.db)).map((r) => ({
        realm: r.id,
        type: r.type,
        comment: r.comment,
        ...(r.isDefault ? { default: 1 } : {}),
      })),
  }),
  endpoint({
    method: 'GET',
    path: '/access/users',
    access: {
      kind: 'authenticated',
      why: 'filtered: users the caller may audit (User.Modify or Sys.Audit on their groups), and themself',
    },
    params: z.object({ full: zBool.optional(), enabled: zBool.optional() }).strict(),
    handler: (ctx, p) => users(ctx, p.full ?? false, p.enabled),
  }),
  endpoint({
    method: 'GET',
    path: '/access/users/{userid}',
    access: { kind: 'check', check: { test: 'user-group', privileges: ['User.Modify', 'Sys.Audit'] } },
    params: z.object({ userid: ZUserid }).strict(),
    handler: async (ctx, p) => {
      const u = (await users(ctx, true)).find((x) => x.userid === p.userid);
      if (!u) throw new ApiError(500, `user '${p.userid}' does not exist`);
      const { userid: _, ...rest } = u;
      return { ...rest, groups: u.groups ? u.groups.split(',').filter(Boolean) : [] };
    },
  }),
  endpoint({
    method: 'GET',
    path: '/access/groups',
    access: { kind: 'authenticated', why: 'filtered: groups with User.Modify, Sys.Audit or Group.Allocate' },
    params: z.object({}).strict(),
    handler: async (ctx) =>
      (await listGroups(ctx.db, ctx.perms)).map((g) => ({
        groupid: g.group,
        comment: g.comment,
        users: g.members.join(','),
      })),
  }),
  endpoint({
    method: 'GET',
    path: '/access/permissions',
    access: {
      kind: 'authenticated',
      why: "one's own permissions; another user's need Sys.Audit on /access (checked in the handler, as Proxmox does)",
    },
    params: z.object({ userid: z.string().max(200).optional(), path: z.string().max(300).optional() }).strict(),
    handler: async (ctx, p) => {
      const self = ctx.actor.kind === 'token' ? ctx.actor.tokenid : ctx.actor.userid;
      let perms = ctx.perms;
      if (p.userid && p.userid !== self) {
        if (!ctx.perms.has('Sys.Audit', '/access'))
          throw new ApiError(403, `Permission check failed (/access, Sys.Audit)`);
        const bang = p.userid.indexOf('!');
        const userid = bang > 0 ? p.userid.slice(0, bang) : p.userid;
        const groups = await groupsOfUser(ctx.db, userid);
        if (!groups) throw new ApiError(500, `user '${userid}' does not exist`);
        const token =
          bang > 0 ? await ctx.db.apiToken.findUnique({ where: { id: p.userid }, select: { privsep: true } }) : null;
        if (bang > 0 && !token) throw new ApiError(500, `token '${p.userid}' does not exist`);
        const actor = token
          ? ({ kind: 'token', userid, tokenid: p.userid, privsep: token.privsep } as const)
          : ({ kind: 'ticket', userid } as const);
        perms = permissionsFrom({ ...(await loadAclTables(ctx.db)), actor: accessActorOf(actor, groups) });
      }
      const paths = p.path ? [p.path] : [...new Set(['/', ...perms.context.acl.map((e) => e.path)])].sort();
      const out: Record<string, Record<string, 1>> = {};
      for (const path of paths) {
        const privs = [...perms.privilegesOn(path)];
        if (privs.length) out[path] = Object.fromEntries(privs.sort().map((x) => [x, 1]));
      }
      return out;
    },
  }),
];
