import type { DependencyContainer } from 'tsyringe';
import { createContainer } from './container';
import { LOGGER, UNIT_OF_WORK } from './container.tokens';
import type { Config } from './core/config';
import type { Logger } from './core/logging';
import { resolveMasterKey } from './core/master-key';
import { connectRedis, waitForRedis } from './core/redis';
import { deriveSecretKeys } from './core/security';
import type { UnitOfWork } from './core/unit-of-work';
import { openDatabase } from './db/open';
import { UserService } from './services/user.service';

export interface Started {
  container: DependencyContainer;
  close(): Promise<void>;
}

/** Redis is waited for this long at start-up; after that the service starts anyway, counting in memory. */
const REDIS_START_WAIT_MS = 3_000;

/**
 * What the server and the CLI share: settings -> database (migrated) and, for
 * the server's rate limits, Redis -> container.
 */
export async function bootstrap(config: Config, logger: Logger, options = { redis: true }): Promise<Started> {
  const secrets = deriveSecretKeys(resolveMasterKey(config, logger));
  const db = await openDatabase(config.database, logger);
  const redis = options.redis && config.redis.url ? connectRedis(config.redis.url, logger) : undefined;
  const close = async () => {
    redis?.disconnect();
    await db.close();
  };
  try {
    if (redis && !(await waitForRedis(redis, REDIS_START_WAIT_MS))) {
      logger.warn('redis not reachable at start-up; rate limits count per instance until it is');
    }
    const container = createContainer({ config, logger, database: db.database, secrets, redis });
    return { container, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Creates the configured first admin when ADMIN_EMAIL and ADMIN_PASSWORD are set and the username is free. */
export async function ensureConfiguredAdmin(container: DependencyContainer, config: Config): Promise<void> {
  const { username, email, password } = config.admin;
  if (!email || !password) return;
  const uow = container.resolve<UnitOfWork>(UNIT_OF_WORK);
  const created = await uow.run(() =>
    container.resolve(UserService).ensureAdmin({ username, email, password, fullName: null }),
  );
  if (!created) container.resolve<Logger>(LOGGER).info('admin user exists', { username });
}
