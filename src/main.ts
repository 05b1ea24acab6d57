import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { createApp } from './app';
import { createContainer } from './container';
import { ConfigError, loadConfig, type Config } from './core/config';
import { createLogger, type Logger } from './core/logging';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded';
import { createOrm, Database, waitForDatabase } from './db/session';

async function openDatabase(
  config: Config,
  logger: Logger,
): Promise<{ database: Database; embedded?: EmbeddedDatabase }> {
  let url = config.database.url;
  let settings = config.database;
  let embedded: EmbeddedDatabase | undefined;
  if (!url) {
    // PGlite serves one connection; the pool must not ask for more.
    embedded = await startEmbeddedDatabase({ dataDir: settings.dataDir, maxConnections: 1 });
    url = embedded.url;
    settings = { ...settings, poolMin: 0, poolMax: 1 };
    logger.info('embedded database started (set DATABASE_URL to use PostgreSQL)', { data_dir: settings.dataDir });
  }
  const database = new Database(await createOrm(url, settings));
  await waitForDatabase(database.orm, settings, logger);
  if (settings.migrateOnStart) {
    const applied = await database.migrate();
    logger.info('migrations up to date', { applied });
  }
  return { database, embedded };
}

async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const { database, embedded } = await openDatabase(config, logger);
  const app = createApp(createContainer({ config, logger, database }));
  const server = app.listen(config.port, config.host, () => {
    logger.info('listening', { url: `http://${config.host}:${config.port}`, env: config.env });
  });
  server.on('error', (error) => {
    logger.error('server error', { error: error.message });
    process.exit(1);
  });

  const stop = (signal: string) => {
    logger.info('shutting down', { signal });
    server.close(() => {
      void database
        .close()
        .then(() => embedded?.stop())
        .finally(() => process.exit(0));
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
