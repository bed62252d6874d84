import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CLOSE } from '@/agent/contract/console';
import { sha256Hex } from '@/server/access/crypto';
import { sessionActor } from '@/server/testing/caller';
import { openTestDb, type TestDb } from '@/server/testing/test-db';
import { claimTicket, issueTicket } from './tickets';

// Several consoles may share one PostgreSQL: a ticket must be claimable once,
// whichever console and however many connections race for it.
describe.each(['pglite', 'postgres'] as const)('console tickets on %s', (kind) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(kind);
    await t.db.realm.create({ data: { id: 'local', type: 'local' } });
    await t.db.user.create({ data: { id: 'alice@local', name: 'alice', realmId: 'local' } });
    await t.db.node.create({ data: { name: 'n1', url: 'https://127.0.0.1:1', fingerprint: 'AA', tokenEnc: 'x' } });
    await t.db.guest.create({ data: { vmid: 100, nodeName: 'n1', name: 'g', config: { serial: true } } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores only the hash of a ticket, bound to user, guest, node and kind', async () => {
    const issued = await issueTicket(t.db, sessionActor('alice@local'), { vmid: 100, kind: 'serial' });
    expect(issued.path).toBe('/api/console/serial/100');
    const row = await t.db.consoleTicket.findUnique({ where: { hash: sha256Hex(issued.ticket) } });
    expect(row).toMatchObject({ userId: 'alice@local', vmid: 100, node: 'n1', kind: 'serial', usedAt: null });
    expect(await t.db.consoleTicket.count({ where: { hash: issued.ticket } })).toBe(0);
    expect(row!.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(30_000);
  });

  it('lets exactly one of twenty racing claims win', async () => {
    const { ticket } = await issueTicket(t.db, sessionActor('alice@local'), { vmid: 100, kind: 'vnc' });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => claimTicket(t.db, ticket, { vmid: 100, kind: 'vnc' })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const losers = results.filter((r) => !r.ok);
    expect(losers).toHaveLength(19);
    for (const r of losers) expect(r).toMatchObject({ code: CONSOLE_CLOSE.TICKET_REUSED, actor: 'alice@local' });
  });

  it('refuses a ticket for a guest that does not exist', async () => {
    await expect(issueTicket(t.db, sessionActor('alice@local'), { vmid: 999, kind: 'vnc' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
