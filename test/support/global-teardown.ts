import { loadConfig } from '../../src/core/config';
import { createOrm } from '../../src/db/session';

export default async function globalTeardown(): Promise<void> {
  const databases = globalThis.gatehouseTestDatabases;
  if (!databases) return;
  for (const db of databases.embedded) await db.stop();
  if (databases.server) {
    const orm = await createOrm(databases.server.url, loadConfig({ DB_POOL_MAX: '1' }).database);
    try {
      for (const name of databases.server.names) {
        await orm.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
      }
    } finally {
      await orm.close(true);
    }
  }
}
