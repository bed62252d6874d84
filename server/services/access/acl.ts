import { z } from 'zod';
import { permModifyPrivileges } from '@/server/access/check';
import { normalizeAclPath, parseAclPath } from '@/server/access/paths';
import { isBuiltinRole } from '@/server/access/roles';
import { parseTokenId } from '@/server/access/token-header';
import { parseUserid } from '@/server/access/userid';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import { audited, type By } from './by';
import type { Permissions } from './permissions';
import { ZRoleId } from './custom-roles';

const ZAclTarget = z
  .object({
    type: z.enum(['user', 'group', 'token']),
    ugid: z.string().trim().min(1, 'name a user, group or token').max(200),
    roleid: ZRoleId,
  })
  .superRefine((v, ctx) => {
    const ok =
      v.type === 'user'
        ? parseUserid(v.ugid) !== null
        : v.type === 'token'
          ? parseTokenId(v.ugid) !== null
          : /^[A-Za-z0-9.\-_]{1,64}$/.test(v.ugid);
    const shape = v.type === 'user' ? 'name@realm' : v.type === 'token' ? 'name@realm!token' : 'a group name';
    if (!ok) ctx.addIssue({ code: 'custom', path: ['ugid'], message: `a ${v.type} is written ${shape}` });
  });

/** Grants place entries only where Proxmox's `check_path` allows. */
export const ZAclGrant = z
  .object({
    path: z
      .string()
      .max(300)
      .transform((p, ctx) => {
        const r = parseAclPath(p);
        if (!r.ok) {
          ctx.addIssue({ code: 'custom', message: r.message });
          return z.NEVER;
        }
        return r.path;
      }),
    propagate: z.boolean().default(true),
  })
  .and(ZAclTarget);
export type AclGrantInput = z.infer<typeof ZAclGrant>;

/** Revocations accept any well-formed path, so stale entries can always be removed. */
export const ZAclRevoke = z
  .object({
    path: z
      .string()
      .max(300)
      .transform((p, ctx) => {
        const n = normalizeAclPath(p);
        if (n === null) {
          ctx.addIssue({ code: 'custom', message: `invalid ACL path '${p}'` });
          return z.NEVER;
        }
        return n;
      }),
  })
  .and(ZAclTarget);
export type AclRevokeInput = z.infer<typeof ZAclRevoke>;

export const ZAclRow = z.object({
  id: z.number(),
  path: z.string(),
  type: z.enum(['user', 'group', 'token']),
  ugid: z.string(),
  roleid: z.string(),
  propagate: z.boolean(),
  can: z.object({ delete: z.boolean() }),
});
export type AclRow = z.infer<typeof ZAclRow>;

/** Entries on paths where the caller may change permissions, or all with Sys.Audit on /access (Proxmox's `GET /access/acl`). */
export async function listAcl(db: Db, perms: Permissions): Promise<AclRow[]> {
  const rows = await db.aclEntry.findMany({
    orderBy: [{ path: 'asc' }, { ugidType: 'asc' }, { ugid: 'asc' }],
    select: { id: true, path: true, ugidType: true, ugid: true, roleId: true, propagate: true },
  });
  const audit = perms.has('Sys.Audit', '/access');
  const mayModify = (path: string) => permModifyPrivileges(path).some((p) => perms.has(p, path));
  return rows.flatMap((r) => {
    const modify = mayModify(r.path);
    if (!audit && !modify) return [];
    if (r.ugidType !== 'user' && r.ugidType !== 'group' && r.ugidType !== 'token') return [];
    return [
      {
        id: r.id,
        path: r.path,
        type: r.ugidType,
        ugid: r.ugid,
        roleid: r.roleId,
        propagate: r.propagate,
        can: { delete: modify },
      },
    ];
  });
}

async function assertSubjectExists(db: Db, type: 'user' | 'group' | 'token', ugid: string): Promise<void> {
  const exists =
    type === 'user'
      ? await db.user.findUnique({ where: { id: ugid }, select: { id: true } })
      : type === 'group'
        ? await db.group.findUnique({ where: { id: ugid }, select: { id: true } })
        : await db.apiToken.findUnique({ where: { id: ugid }, select: { id: true } });
  if (!exists) throw new AppError('INVALID_INPUT', `ugid: no ${type} '${ugid}'`, { field: 'ugid' });
}

/** Adds (or re-propagates) one entry. The role must exist. */
export async function grantAcl(db: Db, by: By, input: AclGrantInput): Promise<{ ok: true }> {
  const target = `${input.path} ${input.type}:${input.ugid}`;
  return audited(
    db,
    by,
    'acl.grant',
    target,
    async () => {
      const role =
        isBuiltinRole(input.roleid) ||
        (await db.role.findUnique({ where: { id: input.roleid }, select: { id: true } }));
      if (!role) throw new AppError('INVALID_INPUT', `roleid: no role '${input.roleid}'`, { field: 'roleid' });
      await assertSubjectExists(db, input.type, input.ugid);
      const key = { path: input.path, ugidType: input.type, ugid: input.ugid, roleId: input.roleid };
      await db.aclEntry.upsert({
        where: { path_ugidType_ugid_roleId: key },
        create: { ...key, propagate: input.propagate },
        update: { propagate: input.propagate },
      });
      return { ok: true as const };
    },
    { role: input.roleid, propagate: input.propagate },
  );
}

export async function revokeAcl(db: Db, by: By, input: AclRevokeInput): Promise<{ ok: true }> {
  const target = `${input.path} ${input.type}:${input.ugid}`;
  return audited(
    db,
    by,
    'acl.revoke',
    target,
    async () => {
      const { count } = await db.aclEntry.deleteMany({
        where: { path: input.path, ugidType: input.type, ugid: input.ugid, roleId: input.roleid },
      });
      if (count === 0) throw new AppError('NOT_FOUND', `no such ACL entry on ${input.path}`);
      return { ok: true as const };
    },
    { role: input.roleid },
  );
}
