import { loadConfig } from '../../src/core/config';
import { startEmbeddedDatabase } from '../../src/db/embedded';
import { createOrm, type Orm } from '../../src/db/session';

/** A throw-away in-memory database with every landed migration applied. */
export async function withMigratedScratchDb<T>(work: (orm: Orm) => Promise<T>): Promise<T> {
  const embedded = await startEmbeddedDatabase({ maxConnections: 1 });
  const config = loadConfig({ DB_POOL_MAX: '1' });
  const orm = await createOrm(embedded.url, config.database);
  try {
    await orm.getMigrator().up();
    return await work(orm);
  } finally {
    await orm.close(true);
    await embedded.stop();
  }
}
