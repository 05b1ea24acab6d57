import 'reflect-metadata';
import cluster from 'node:cluster';
import { config as loadDotenv } from 'dotenv';
import { createApp } from './app';
import { bootstrap, ensureConfiguredAdmin } from './bootstrap';
import { isClusterWorker, superviseWorkers, workersToRun } from './cluster';
import { LIFECYCLE } from './container.tokens';
import { joinClusterMetrics } from './core/cluster-metrics';
import { ConfigError, loadConfig, type Config } from './core/config';
import type { Lifecycle } from './core/lifecycle';
import { createLogger, type Logger } from './core/logging';
import { Metrics } from './core/metrics';
import { listen } from './server';

async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  const config = loadConfig();
  if (isClusterWorker()) {
    // The primary relays a terminal's Ctrl-C as SIGTERM; reacting to the group's SIGINT too would stop twice.
    process.on('SIGINT', () => undefined);
    return serve(config, createLogger(config.logLevel).child({ worker: cluster.worker?.id }), true);
  }
  const logger = createLogger(config.logLevel);
  const workers = workersToRun(config, logger);
  if (workers === 1) return serve(config, logger, false);
  await prepareOnce(config, logger);
  superviseWorkers(workers, config, logger);
}

/** What N workers must not race over: migrations (they start with them off) and the first admin. */
async function prepareOnce(config: Config, logger: Logger): Promise<void> {
  const { container, close } = await bootstrap(config, logger, { redis: false });
  try {
    await ensureConfiguredAdmin(container, config);
  } finally {
    await close();
  }
}

async function serve(config: Config, logger: Logger, inCluster: boolean): Promise<void> {
  const { container, close } = await bootstrap(config, logger);
  if (inCluster) joinClusterMetrics(container.resolve(Metrics));
  else await ensureConfiguredAdmin(container, config);
  const { server, shutdown } = await listen(
    createApp(container),
    config,
    container.resolve<Lifecycle>(LIFECYCLE),
    logger,
    container.resolve(Metrics),
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
  if (!inCluster) process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
