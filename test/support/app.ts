import type { Express } from 'express';
import type { DependencyContainer } from 'tsyringe';
import Transport from 'winston-transport';
import { createApp } from '../../src/app';
import { createContainer } from '../../src/container';
import { loadConfig, type Env } from '../../src/core/config';
import { createLogger } from '../../src/core/logging';
import { deriveSecretKeys } from '../../src/core/security';
import { createOrm, Database } from '../../src/db/session';
import { checked } from './contract';
import { testDatabaseUrl } from './test-database';

/** One key for the whole run: apps of one run share the signing keys in the database. */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

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

export interface TestApp {
  app: Express;
  container: DependencyContainer;
  database: Database;
  logs: MemoryTransport;
  close(): Promise<void>;
}

export interface TestAppOptions {
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
    ...options.env,
  });
  const logs = new MemoryTransport();
  const logger = createLogger(config.logLevel, [logs]);
  const database = new Database(await createOrm(options.databaseUrl ?? testDatabaseUrl(), config.database));
  const secrets = deriveSecretKeys(config.auth.masterKey ?? Buffer.alloc(32));
  const container = createContainer({ config, logger, database, secrets });
  options.override?.(container);
  return { app: checked(createApp(container)), container, database, logs, close: () => database.close() };
}
