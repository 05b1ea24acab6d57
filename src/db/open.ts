import type { Config } from '../core/config';
import type { Logger } from '../core/logging';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded';
import { createOrm, Database, waitForDatabase } from './session';

export interface OpenDatabase {
  database: Database;
  /** Closes the pool, then the embedded server if one was started. */
  close(): Promise<void>;
}

/**
 * Connects to DATABASE_URL, or starts the embedded database in DATA_DIR when
 * none is set (the caller holds DATA_DIR's lock: see claimDataDir); waits for
 * it with backoff and applies migrations if asked.
 */
export async function openDatabase(settings: Config['database'], logger: Logger): Promise<OpenDatabase> {
  let url = settings.url;
  let embedded: EmbeddedDatabase | undefined;
  if (!url) ({ embedded, url, settings } = await startEmbedded(settings, logger));
  const database = new Database(await createOrm(url, settings, logger), embedded !== undefined);
  const close = async () => {
    await database.close();
    await embedded?.stop();
  };
  try {
    await waitForDatabase(database.orm, settings, logger);
    if (settings.migrateOnStart) {
      const applied = await database.migrate(logger);
      logger.info('migrations up to date', { applied });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { database, close };
}

/**
 * Starts the embedded database in DATA_DIR (the caller holds its lock) and
 * gives the settings to reach it with: the embedded server runs one
 * transaction at a time over one connection, so the pool must not ask for more.
 */
export async function startEmbedded(
  settings: Config['database'],
  logger: Logger,
): Promise<{ embedded: EmbeddedDatabase; url: string; settings: Config['database'] }> {
  const embedded = await startEmbeddedDatabase({ dataDir: settings.dataDir, maxConnections: 1, logger });
  return { embedded, url: embedded.url, settings: { ...settings, poolMin: 0, poolMax: 1 } };
}
