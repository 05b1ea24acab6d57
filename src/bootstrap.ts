import type { DependencyContainer } from 'tsyringe';
import { createContainer } from './container';
import { LOGGER, UNIT_OF_WORK } from './container.tokens';
import type { Config } from './core/config';
import { ConflictError, WeakPasswordError } from './core/errors';
import type { Logger } from './core/logging';
import { resolveMasterKey } from './core/master-key';
import { connectRedis, waitForRedis } from './core/redis';
import { deriveSecretKeys } from './core/security';
import { StartupError } from './core/startup';
import { startTracing } from './core/tracing';
import type { UnitOfWork } from './core/unit-of-work';
import { claimDataDir } from './db/data-dir';
import { openDatabase } from './db/open';
import { SigningKeyService } from './services/signing-key.service';
import { UserService } from './services/user.service';
import { safeMessage } from './core/error-description';

export interface Started {
  container: DependencyContainer;
  close(): Promise<void>;
}

/** Redis is waited for this long at start-up; after that the service starts anyway, counting in memory. */
const REDIS_START_WAIT_MS = 3_000;

/**
 * What the server and the CLI share: DATA_DIR's lock (embedded database; `role`
 * names the holder to whoever finds it taken) -> settings -> database
 * (migrated) and, for the server's rate limits, Redis -> container. The server
 * also traces (`tracing`), when configured; `close` then exports the last spans
 * (bounded).
 */
export async function bootstrap(
  config: Config,
  logger: Logger,
  {
    redis: withRedis = true,
    tracing: withTracing = false,
    role = 'server',
  }: { redis?: boolean; tracing?: boolean; role?: string } = {},
): Promise<Started> {
  const lock = claimDataDir(config.database, logger, role);
  const secrets = deriveSecretKeys(resolveMasterKey(config, logger));
  const db = await openDatabase(config.database, logger).catch((error: unknown) => {
    lock?.release();
    throw error;
  });
  const redis = withRedis && config.redis.url ? connectRedis(config.redis.url, logger) : undefined;
  const tracing = withTracing ? startTracing(config.tracing, logger) : undefined;
  const close = async () => {
    redis?.disconnect();
    await db.close();
    lock?.release();
    await tracing?.shutdown();
  };
  try {
    if (redis && !(await waitForRedis(redis, REDIS_START_WAIT_MS))) {
      logger.warn('redis not reachable at start-up; rate limits count per instance until it is');
    }
    const container = createContainer({ config, logger, database: db.database, secrets, redis, tracing });
    return { container, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Creates the configured first admin (ADMIN_EMAIL and ADMIN_PASSWORD set) while no user has the
 * admin role; otherwise says what it skipped. Never fails start-up over data users can create: an
 * email or username taken by someone else, or an instance starting alongside that made the admin.
 * A password the password policy refuses stops it: the operator chose it and can choose another.
 */
export async function ensureConfiguredAdmin(container: DependencyContainer, config: Config): Promise<void> {
  const { username, email, password } = config.admin;
  if (!email || !password) return;
  const logger = container.resolve<Logger>(LOGGER);
  const uow = container.resolve<UnitOfWork>(UNIT_OF_WORK);
  try {
    const created = await uow.run(() =>
      container.resolve(UserService).createFirstAdmin({ username, email, password, fullName: null }),
    );
    if (!created) logger.info('ADMIN_EMAIL and ADMIN_PASSWORD ignored: an admin exists already', { username });
  } catch (error) {
    if (error instanceof WeakPasswordError) {
      throw new StartupError(`ADMIN_PASSWORD: ${error.message} Choose another.`, 'ADMIN_PASSWORD');
    }
    if (!(error instanceof ConflictError)) throw error;
    logger.warn(`first admin not created: its ${error.field} is taken by another user`, {
      username,
      setting: error.field === 'email' ? 'ADMIN_EMAIL' : 'ADMIN_USERNAME',
    });
  }
}

/**
 * Makes the first signing key at start-up when there is none, sealed under this instance's
 * MASTER_KEY: an instance started later with another key is then found out at its own start,
 * instead of signing first and locking the others out. An instance whose MASTER_KEY cannot open
 * the stored keys is not ready (readiness checks it too) and says so in one line.
 */
export async function prepareSigningKey(container: DependencyContainer): Promise<void> {
  const keys = container.resolve(SigningKeyService);
  const logger = container.resolve<Logger>(LOGGER);
  try {
    // keyProblem logs the mismatch, once per key.
    if ((await keys.keyProblem()) === null) await keys.signingKey();
  } catch (error) {
    logger.warn('signing keys not checked at start-up: readiness checks them', { reason: safeMessage(error) });
  }
}
