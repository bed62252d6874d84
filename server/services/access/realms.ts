import type { Db } from '@/server/db';

export async function listRealms(db: Db): Promise<{ id: string; comment: string; isDefault: boolean }[]> {
  return db.realm.findMany({ orderBy: [{ isDefault: 'desc' }, { id: 'asc' }], select: { id: true, comment: true, isDefault: true } });
}
