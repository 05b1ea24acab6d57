import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type { DependencyContainer } from 'tsyringe';
import Transport from 'winston-transport';
import { createApp } from '../../src/app';
import { createContainer } from '../../src/container';
import { loadConfig, type Env } from '../../src/core/config';
import { createLogger } from '../../src/core/logging';
import { connectRedis, waitForRedis } from '../../src/core/redis';
import { deriveSecretKeys } from '../../src/core/security';
import { createOrm, Database } from '../../src/db/session';
import { checked } from './contract';
import { testDatabaseUrl } from './test-database';

/**
 * One key for the whole run: apps of one run share the signing keys in the database. Fixed but
 * random (`openssl rand -base64 32`), as MASTER_KEY must be.
 */
export const TEST_MASTER_KEY = 'SnxxEQYnf0dUtqQh7uIdQ0z+PDfBZmgRfbNKsZRL0Nw=';

/** Keeps every log entry, serialized as the console would print it. */
export class MemoryTransport extends Transport {
  readonly lines: string[] = [];
  readonly entries: Record<string, unknown>[] = [];

  override log(info: Record<string, unknown>, next: () => void): void {
    this.entries.push(info);
    this.lines.push(JSON.stringify(info));
    next();
  }
}

/**
 * Limits so high that only the tests about limits, which set their own, meet
 * them: every test reaches the app from the same address.
 */
const GENEROUS_LIMITS: Env = {
  RATE_LIMIT_PER_IP: '1000000/1m',
  RATE_LIMIT_TOKEN_PER_IP: '1000000/1m',
  RATE_LIMIT_SIGNUP_PER_IP: '1000000/1m',
  LOGIN_FAILURES_PER_HOUR: '1000',
};

export interface TestApp {
  app: Express;
  container: DependencyContainer;
  database: Database;
  logs: MemoryTransport;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /**
   * Settings over the test defaults. Counters are in Redis when REDIS_URL is
   * in the environment (CI sets it); each app has keys of its own unless
   * `REDIS_KEY_PREFIX` is given (apps that must share limits give the same one).
   */
  env?: Env;
  /** Defaults to this run's migrated test database. */
  databaseUrl?: string;
  /** Replace registrations before the app is built (e.g. a failing repository). */
  override?: (container: DependencyContainer) => void;
}

/** The real application on a real database, as the process entry would build it. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    DB_POOL_MAX: '1',
    DB_CONNECT_RETRIES: '0',
    MASTER_KEY: TEST_MASTER_KEY,
    ...GENEROUS_LIMITS,
    REDIS_URL: process.env.REDIS_URL,
    REDIS_KEY_PREFIX: `test-${randomUUID()}:`,
    ...options.env,
  });
  const logs = new MemoryTransport();
  const logger = createLogger(config.logLevel, [logs]);
  const orm = await createOrm(options.databaseUrl ?? testDatabaseUrl(), config.database, logger);
  // Without DATABASE_URL the tests run on embedded databases (see global-setup).
  const database = new Database(orm, !process.env.DATABASE_URL);
  const secrets = deriveSecretKeys(config.auth.masterKey ?? Buffer.alloc(32));
  const redis = config.redis.url ? connectRedis(config.redis.url, logger) : undefined;
  // Connected before the first request, so a test never meets the in-memory fallback by accident.
  if (redis && !(await waitForRedis(redis, 5_000))) throw new Error(`redis at ${config.redis.url} did not answer`);
  const container = createContainer({ config, logger, database, secrets, redis });
  options.override?.(container);
  const close = async () => {
    redis?.disconnect();
    await database.close();
  };
  return { app: checked(createApp(container)), container, database, logs, close };
}
