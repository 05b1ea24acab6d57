import Redis from 'ioredis';
import { withTimeout } from './time';
import type { Logger } from './logging';

const HEARTBEAT_MS = 2_000;

/**
 * The shared counters' store. Commands fail at once while Redis is away (no
 * offline queue), or after half a second while it stalls, and the counters
 * fall back to memory; the client keeps reconnecting with backoff, and
 * readiness reports it meanwhile.
 */
export function connectRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // A Redis that holds a connection open but stops answering costs a request at most this
    commandTimeout: 500,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 5_000),
  });
  // Said once per outage, not once per reconnect attempt.
  let reported = false;
  redis.on('ready', () => {
    reported = false;
    logger.info('redis connected');
  });
  redis.on('error', (error: Error) => {
    if (!reported) logger.warn('redis unavailable; counting in memory meanwhile', { reason: error.message });
    reported = true;
  });
  // A connection that stays open but stops answering (a black hole) is never closed by the client
  // itself: a ping that times out replaces it.
  const heartbeat = setInterval(() => {
    if (redis.status !== 'ready') return;
    redis.ping().catch((error: unknown) => {
      logger.warn('redis stopped answering; reconnecting', { reason: String(error) });
      redis.disconnect(true);
    });
  }, HEARTBEAT_MS).unref();
  redis.once('end', () => clearInterval(heartbeat));
  return redis;
}

/** Waits up to `timeoutMs` for the first connection; the service starts either way (counters fall back to memory). */
export async function waitForRedis(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), timeoutMs);
    const onReady = () => done(true);
    function done(ready: boolean) {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    }
    redis.once('ready', onReady);
  });
}

/** What readiness asks of Redis. */
export class RedisHealth {
  readonly configured = true;

  constructor(private readonly redis: Redis) {}

  async ping(timeoutMs: number): Promise<void> {
    await withTimeout(this.redis.ping(), timeoutMs);
  }
}
