/**
 * MikroORM's configuration for its command line (`npx mikro-orm migration:pending`,
 * `migration:up`, `schema:update --dump`, `debug`, …): the application's own options
 * (ormOptions) on DATABASE_URL or, without it, on the embedded database in DATA_DIR.
 * That one is started here, under DATA_DIR's lock as the server would, and stopped
 * when the command closes the ORM. package.json points the CLI here; ts-node loads it.
 */
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { config as loadDotenv } from 'dotenv';
import { loadConfig } from './src/core/config';
import { createLogger } from './src/core/logging';
import { claimDataDir, type DataDirLock } from './src/db/data-dir';
import type { EmbeddedDatabase } from './src/db/embedded';
import { startEmbedded } from './src/db/open';
import { ormOptions } from './src/db/session';

export default async function mikroOrmConfig() {
  process.umask(0o077);
  loadDotenv({ quiet: true });
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel === 'silent' ? 'silent' : 'warn');
  const { database } = config;
  if (database.url) return ormOptions(database.url, database, logger);

  const lock = claimDataDir(database, logger, 'command line (mikro-orm)');
  const started = await startEmbedded(database, logger);
  return { ...ormOptions(started.url, started.settings, logger), driver: stoppingWith(started.embedded, lock) };
}

/**
 * The driver that, once the command has closed the ORM, stops the embedded database and frees
 * DATA_DIR: its socket server would otherwise keep the process running.
 */
function stoppingWith(embedded: EmbeddedDatabase, lock: DataDirLock | undefined): typeof PostgreSqlDriver {
  return class EmbeddedPostgreSqlDriver extends PostgreSqlDriver {
    override async close(force?: boolean): Promise<void> {
      await super.close(force);
      await embedded.stop();
      lock?.release();
    }
  };
}
