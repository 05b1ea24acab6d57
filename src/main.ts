import 'reflect-metadata';
import cluster from 'node:cluster';
import { config as loadDotenv } from 'dotenv';
import { isClusterWorker, superviseWorkers, workersToRun } from './cluster';
import { loadConfig, settingWarnings, type Config } from './core/config';
import { createLogger, type Logger } from './core/logging';
import { assertCanListen, fatalLine } from './core/startup';
import { claimDataDir } from './db/data-dir';
import type { Listening } from './server';
import { safeMessage } from './core/error-description';

// What the checks below need is loaded above; the rest of the service (express, the ORM, the
// spec) only once they pass, so that a bad setting or a taken port fails in a fraction of a second.
// `require`, not `import()`: the process also runs from source under tsx, whose import() is ESM's.
/* eslint-disable @typescript-eslint/no-require-imports */
const load = {
  bootstrap: () => require('./bootstrap') as typeof import('./bootstrap'),
  app: () => require('./app') as typeof import('./app'),
  server: () => require('./server') as typeof import('./server'),
  tokens: () => require('./container.tokens') as typeof import('./container.tokens'),
  metrics: () => require('./core/metrics') as typeof import('./core/metrics'),
  clusterMetrics: () => require('./core/cluster-metrics') as typeof import('./core/cluster-metrics'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

async function main(): Promise<void> {
  // Files this process makes (the embedded database's, the development key) are its user's alone.
  process.umask(0o077);
  loadDotenv({ quiet: true });
  const config = loadConfig();
  if (isClusterWorker()) {
    // The primary relays a terminal's Ctrl-C as SIGTERM; reacting to the group's SIGINT too would stop twice.
    process.on('SIGINT', () => undefined);
    return serve(config, createLogger(config.logLevel).child({ worker: cluster.worker?.id }), true);
  }
  const logger = createLogger(config.logLevel);
  for (const warning of settingWarnings(config)) logger.warn(warning);
  await assertCanListen(config.host, config.port);
  // Before anything reads or writes DATA_DIR (bootstrap claims it again: the same lock).
  claimDataDir(config.database, logger, 'server');
  const workers = workersToRun(config, logger);
  if (workers === 1) return serve(config, logger, false);
  await prepareOnce(config, logger);
  superviseWorkers(workers, config, logger);
}

/** What N workers must not race over: migrations (they start with them off), the first admin, the first key. */
async function prepareOnce(config: Config, logger: Logger): Promise<void> {
  const { bootstrap, ensureConfiguredAdmin, prepareSigningKey } = load.bootstrap();
  const { container, close } = await bootstrap(config, logger, { redis: false });
  try {
    await ensureConfiguredAdmin(container, config);
    await prepareSigningKey(container);
  } finally {
    await close();
  }
}

async function serve(config: Config, logger: Logger, inCluster: boolean): Promise<void> {
  const { bootstrap, ensureConfiguredAdmin, prepareSigningKey } = load.bootstrap();
  const { createApp } = load.app();
  const { LIFECYCLE } = load.tokens();
  const { container, close } = await bootstrap(config, logger, { tracing: true });
  let listening: Listening;
  try {
    const metrics = container.resolve(load.metrics().Metrics);
    if (inCluster) load.clusterMetrics().joinClusterMetrics(metrics);
    else await ensureConfiguredAdmin(container, config);
    await prepareSigningKey(container);
    listening = await load.server().listen(createApp(container), config, container.resolve(LIFECYCLE), logger, metrics);
  } catch (error) {
    await close();
    throw error;
  }
  const { server, shutdown } = listening;
  server.on('error', (error) => logger.error('server error', { error: error.message }));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    shutdown(signal, close).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error: safeMessage(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (!inCluster) process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  // One line, in the log's own format, whatever failed: a setting, the port, the database, a bug.
  process.stdout.write(`${JSON.stringify({ ...fatalLine(error), timestamp: new Date().toISOString() })}\n`);
  process.exit(1);
});
