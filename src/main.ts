import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { createApp } from './app';
import { bootstrap, ensureConfiguredAdmin } from './bootstrap';
import { LIFECYCLE } from './container.tokens';
import { ConfigError, loadConfig } from './core/config';
import type { Lifecycle } from './core/lifecycle';
import { createLogger } from './core/logging';
import { listen } from './server';

async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const { container, close } = await bootstrap(config, logger);
  await ensureConfiguredAdmin(container, config);
  const { server, shutdown } = await listen(
    createApp(container),
    config,
    container.resolve<Lifecycle>(LIFECYCLE),
    logger,
  );
  server.on('error', (error) => logger.error('server error', { error: error.message }));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    shutdown(signal, close).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
