import { z } from 'zod';
import { normalizeAclPath } from '@/server/access/paths';
import { isPrivilege, PRIVILEGES } from '@/server/access/privileges';
import { explain, type RoleGrant } from '@/server/access/resolve';
import { TOKEN_NAME_RE } from '@/server/access/token-header';
import { ZUserid } from '@/server/access/userid';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import { accessActorOf, groupsOfUser, loadAclTables } from './permissions';

export const ZExplainInput = z.object({
  userid: ZUserid,
  /** A token name of that user, to explain the token's rights instead. */
  token: z.string().trim().regex(TOKEN_NAME_RE, 'not a token name').optional(),
  path: z
    .string()
    .max(300)
    .refine((p) => normalizeAclPath(p) !== null, 'a path looks like /vms/100 (letters, digits, ".", "-", "_" and "/")'),
  privileges: z.array(z.string().refine(isPrivilege, 'unknown privilege')).max(PRIVILEGES.length).optional(),
});
export type ExplainInput = z.infer<typeof ZExplainInput>;

const ZGrant = z.object({
  roleid: z.string(),
  path: z.string(),
  type: z.string(),
  ugid: z.string(),
  propagate: z.boolean(),
  pool: z.string().nullable(),
});
export const ZExplanation = z.object({
  actor: z.string(),
  path: z.string(),
  privileges: z.array(
    z.object({
      privilege: z.string(),
      granted: z.boolean(),
      reason: z.string(),
      grants: z.array(ZGrant),
      deniedBy: z.array(ZGrant),
    }),
  ),
});
export type Explanation = z.infer<typeof ZExplanation>;

function grant(g: RoleGrant): z.infer<typeof ZGrant> {
  return {
    roleid: g.roleid,
    path: g.entry.path,
    type: g.entry.type,
    ugid: g.entry.ugid,
    propagate: g.entry.propagate,
    pool: g.pool ?? null,
  };
}

/** "Why can alice start vm 101?": each privilege on the path, granted or not, and the entries deciding it. */
export async function explainAccess(db: Db, input: ExplainInput): Promise<Explanation> {
  const groups = await groupsOfUser(db, input.userid);
  if (!groups) throw new AppError('NOT_FOUND', `no user '${input.userid}'`);
  let actor = accessActorOf({ kind: 'session', userid: input.userid, sessionId: '' }, groups);
  if (input.token) {
    const tokenid = `${input.userid}!${input.token}`;
    const token = await db.apiToken.findUnique({ where: { id: tokenid }, select: { privsep: true } });
    if (!token) throw new AppError('NOT_FOUND', `no token '${tokenid}'`);
    actor = accessActorOf({ kind: 'token', userid: input.userid, tokenid, privsep: token.privsep }, groups);
  }
  const tables = await loadAclTables(db);
  const only = input.privileges?.filter(isPrivilege);
  const result = explain({ ...tables, actor }, input.path, only);
  return {
    actor: result.actor,
    path: result.path,
    privileges: result.privileges.map((v) => ({
      privilege: v.privilege,
      granted: v.granted,
      reason: v.reason,
      grants: [...v.userGrants, ...(v.tokenGrants ?? [])].map(grant),
      deniedBy: v.deniedBy.map(grant),
    })),
  };
}
