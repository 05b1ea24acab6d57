import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { createApp } from './app';
import { bootstrap, ensureConfiguredAdmin } from './bootstrap';
import { ConfigError, loadConfig } from './core/config';
import { createLogger } from './core/logging';

async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const { container, close } = await bootstrap(config, logger);
  await ensureConfiguredAdmin(container, config);
  const app = createApp(container);
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
      void close().finally(() => process.exit(0));
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
