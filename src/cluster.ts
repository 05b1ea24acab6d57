import cluster, { type Worker } from 'node:cluster';
import { RateLimiterClusterMaster } from 'rate-limiter-flexible';
import { MetricsAggregator } from './core/cluster-metrics';
import type { Config } from './core/config';
import type { Logger } from './core/logging';

/**
 * Set in the environment of the workers a Gatehouse primary forks, so that a
 * process another cluster manager starts does not expect our primary's IPC.
 */
const WORKER_MARK = 'GATEHOUSE_CLUSTER_WORKER';

/** A worker that ran this long before it died was not crash-looping: its replacement starts at once. */
const STABLE_MS = 30_000;
const FIRST_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;
/** Workers get their own drain bound (SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS) and this long to close and exit. */
const EXIT_MARGIN_MS = 5_000;

export function isClusterWorker(): boolean {
  return cluster.isWorker && process.env[WORKER_MARK] === '1';
}

/**
 * How many worker processes to run, said in one start-up line when more than
 * one was asked for. The embedded database serves one connection at a time,
 * so with it the service stays a single process.
 */
export function workersToRun(config: Config, logger: Logger): number {
  const { count, source } = config.workers;
  if (count === 1) return 1;
  const reason = source === 'setting' ? `WEB_CONCURRENCY=${count}` : 'production default: one per core';
  if (!config.database.url) {
    logger.info(
      'WEB_CONCURRENCY ignored: the embedded database has one writer, so one process serves (set DATABASE_URL to run workers)',
      { workers_asked: count, reason },
    );
    return 1;
  }
  logger.info(`starting ${count} workers`, {
    workers: count,
    reason,
    rate_limit_counters: config.redis.url ? 'redis' : 'in the primary, shared by the workers',
  });
  return count;
}

/**
 * The cluster primary, once the one-time start-up work is done: forks `count`
 * workers (migrations off), replaces one that dies (with backoff while they
 * keep dying young), holds the shared in-memory rate-limit counters unless
 * Redis does, answers metrics scrapes, and on SIGTERM or SIGINT stops the
 * workers gracefully and exits 0 (1 if it had to kill one).
 */
export function superviseWorkers(count: number, config: Config, logger: Logger): void {
  if (!config.redis.url) new RateLimiterClusterMaster();
  const startedAt = new Map<Worker, number>();
  const listening = new Set<Worker>();
  const restarts = new Set<NodeJS.Timeout>();
  let youngDeaths = 0;
  let served = false;
  let stopping = false;

  const fork = () => startedAt.set(cluster.fork({ [WORKER_MARK]: '1', MIGRATE_ON_START: 'false' }), Date.now());
  const say = (worker: Worker) => ({ worker: worker.id, pid: worker.process.pid });

  cluster.on('message', new MetricsAggregator(() => [...listening], logger).onMessage);
  cluster.on('online', (worker) => logger.info('worker started', say(worker)));
  cluster.on('listening', (worker) => {
    listening.add(worker);
    served = true;
  });
  cluster.on('exit', (worker, code, signal) => {
    const ranMs = Date.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    listening.delete(worker);
    const exit = { ...say(worker), code, signal };
    if (stopping) {
      logger.info('worker stopped', exit);
      if (startedAt.size === 0) finish(0);
    } else if (!served) {
      logger.error('a worker failed to start; stopping', exit);
      stop('start-up failure', 1);
    } else {
      youngDeaths = ranMs >= STABLE_MS ? 0 : youngDeaths + 1;
      const delayMs = youngDeaths && Math.min(FIRST_RESTART_DELAY_MS * 2 ** (youngDeaths - 1), MAX_RESTART_DELAY_MS);
      logger.error('worker exited; starting a replacement', { ...exit, restart_in_ms: delayMs });
      const timer = setTimeout(() => {
        restarts.delete(timer);
        fork();
      }, delayMs);
      restarts.add(timer);
    }
  });

  let exitCode = 0;
  const finish = (code: number) => {
    logger.info('shut down', { workers: count });
    process.exit(Math.max(code, exitCode));
  };
  // Each worker runs its own graceful shutdown on SIGTERM. A terminal's Ctrl-C reaches the whole
  // process group: workers ignore SIGINT and wait for the primary's SIGTERM, so each stops once.
  const stop = (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    for (const timer of restarts) clearTimeout(timer);
    logger.info('stopping workers', { signal, workers: startedAt.size });
    if (startedAt.size === 0) finish(code);
    for (const worker of startedAt.keys()) worker.process.kill('SIGTERM');
    const boundMs = config.http.shutdownDelayMs + config.http.shutdownTimeoutMs + EXIT_MARGIN_MS;
    setTimeout(() => {
      logger.error('workers still running past the shutdown bound; killing them', {
        bound_ms: boundMs,
        pids: [...startedAt.keys()].map((w) => w.process.pid),
      });
      for (const worker of startedAt.keys()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, boundMs).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  for (let i = 0; i < count; i++) fork();
}
