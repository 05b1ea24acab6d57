import { MikroORM, UniqueConstraintViolationException, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import type { Knex } from 'knex';
import { PostgreSqlDriver, defineConfig, type EntityManager } from '@mikro-orm/postgresql';
import type { DatabaseBreaker } from '../core/breaker';
import type { Config } from '../core/config';
import { ConflictError } from '../core/errors';
import type { Logger } from '../core/logging';
import type { PoolStats } from '../core/metrics';
import { scope } from '../core/scope';
import { StartupError } from '../core/startup';
import { withTimeout } from '../core/time';
import type { UnitOfWork } from '../core/unit-of-work';
import { RefreshTokenSchema } from './entities/refresh-token.entity';
import { SessionSchema } from './entities/session.entity';
import { SigningKeySchema } from './entities/signing-key.entity';
import { USER_UNIQUE_FIELDS, UserSchema } from './entities/user.entity';
import { MfaChallengeSchema } from './entities/mfa-challenge.entity';
import { TotpCredentialSchema } from './entities/totp-credential.entity';
import { ListedMigrationGenerator } from './migration-generator';
import { migrations } from './migrations';
import { OrmLogger } from './orm-logger';

export type Orm = MikroORM<PostgreSqlDriver>;

interface PgClient {
  query(sql: string, callback: (error: Error | null) => void): void;
  /** node-postgres's protocol state: false while a query is outstanding. */
  readyForQuery: boolean;
}

/**
 * `logger` takes knex's own messages (e.g. "Connection Error: …" when the
 * database drops a pooled connection) and MikroORM's (never a statement: see
 * OrmLogger), which would otherwise go to the console outside the JSON log.
 */
export function ormOptions(url: string, db: Config['database'], logger?: Logger): Options<PostgreSqlDriver> {
  return defineConfig({
    clientUrl: url,
    entities: [
      UserSchema,
      SessionSchema,
      RefreshTokenSchema,
      SigningKeySchema,
      TotpCredentialSchema,
      MfaChallengeSchema,
    ],
    extensions: [Migrator],
    migrations: {
      migrationsList: migrations,
      path: 'src/db/migrations',
      pathTs: 'src/db/migrations',
      emit: 'ts',
      generator: ListedMigrationGenerator,
      snapshot: false,
      transactional: true,
      allOrNothing: true,
      silent: true,
    },
    pool: {
      min: db.poolMin,
      max: db.poolMax,
      acquireTimeoutMillis: db.acquireTimeoutMs,
      idleTimeoutMillis: db.idleTimeoutMs,
      // A SET per new connection rather than a startup parameter, which the embedded server ignores.
      afterCreate: (conn: PgClient, done: (error: Error | null, conn: PgClient) => void) => {
        // lock_timeout: a request queued behind a locked table fails fast (55P03, a 503) instead of holding
        // its connection until the statement timeout.
        const settings = `set statement_timeout = ${db.statementTimeoutMs}; set lock_timeout = ${db.lockTimeoutMs}`;
        conn.query(settings, (error) => done(error, conn));
      },
    },
    // Merged into knex's options. node-postgres's timeouts: a stalled database fails a query, or a
    // connection attempt, instead of hanging.
    driverOptions: {
      connection: { query_timeout: db.queryTimeoutMs, connectionTimeoutMillis: db.acquireTimeoutMs },
      pool: {
        // After a client-side query timeout the connection still waits for that query's answer, and
        // every later query would queue behind it: such a connection is destroyed, not handed out again.
        validate: (conn: PgClient) => conn.readyForQuery,
      },
      ...(logger ? { log: knexLog(logger) } : {}),
    },
    connect: false,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: false,
    loggerFactory: () => new OrmLogger(logger),
  });
}

export async function createOrm(url: string, db: Config['database'], logger?: Logger): Promise<Orm> {
  const orm = await MikroORM.init(ormOptions(url, db, logger));
  // The entity manager of the current scope (see MikroOrmUnitOfWork) instead of MikroORM's RequestContext,
  // which would be a second AsyncLocalStorage; outside any scope, the global one, which refuses to be used.
  orm.config.set('context', () => unitOf(orm)?.em);
  return orm;
}

/** True while a fork is being made: its constructor asks for the context that it is about to become. */
let forking = false;

/** The unit of work of the current scope, made on first use: a request that reads no entity never forks. */
function unitOf(orm: Orm, create = true): ScopedUnit | undefined {
  const current = scope.getStore();
  if (!current) return undefined;
  if (!current.unitOfWork && create && !forking) {
    forking = true;
    try {
      const em = orm.em.fork({ useContext: true, disableContextResolution: true });
      current.unitOfWork = { em, due: [] } satisfies ScopedUnit;
    } finally {
      forking = false;
    }
  }
  return current.unitOfWork as ScopedUnit | undefined;
}

/** The transaction the current unit of work has open, if any (asking makes no unit of work). */
export function openTransaction(orm: Orm): Knex.Transaction | undefined {
  return unitOf(orm, false)?.em.getTransactionContext<Knex.Transaction>();
}

interface ScopedUnit {
  em: EntityManager;
  /** What waits for the commit. */
  due: (() => void)[];
}

function knexLog(logger: Logger) {
  const say = (level: 'warn' | 'error' | 'debug') => (message: unknown) =>
    logger.log(level, 'database driver', { reason: String(message) });
  return { warn: say('warn'), error: say('error'), deprecate: say('debug'), debug: say('debug') };
}

/** Waits for the database with exponential backoff, logging each try. */
export async function waitForDatabase(orm: Orm, db: Config['database'], logger: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const check = await orm.checkConnection();
    if (check.ok) {
      logger.info('database connected', { attempt });
      return;
    }
    if (attempt > db.connectRetries) {
      throw new StartupError(
        `database unreachable after ${attempt} tries (${check.reason}): check DATABASE_URL, or raise DB_CONNECT_RETRIES to wait longer`,
        'DATABASE_URL',
      );
    }
    const delayMs = Math.min(db.connectBackoffMs * 2 ** (attempt - 1), 30_000);
    logger.warn('database not reachable, retrying', { attempt, retry_in_ms: delayMs, reason: check.reason });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

/**
 * Sends every database call of the serving app through the breaker: queries
 * (the token's session lookup, handlers, the readiness ping) and the begin
 * and commit of each unit of work. Wrapped at MikroORM's connection rather
 * than knex's client, because here one call is one whole round trip (a
 * connection taken from the pool and a query answered), so handing out an idle
 * pooled connection is not mistaken for the database answering; knex's
 * transaction client also bypasses instance methods. Rollback is left out: it
 * must always be tried, to hand the connection back clean.
 */
export function routeThroughBreaker(orm: Orm, breaker: DatabaseBreaker): void {
  const connection = orm.em.getConnection();
  const { execute, begin, commit } = connection;
  connection.execute = ((...args: Parameters<typeof execute>) =>
    breaker.execute(() => execute.apply(connection, args))) as typeof execute;
  connection.begin = (...args) =>
    breaker.execute(async () => {
      const trx = await begin.apply(connection, args);
      // When BEGIN fails, knex still hands out the transaction, already completed, and keeps the error in
      // its executionPromise: the next query would fail with "Transaction query already complete" (a 500).
      if (trx.isCompleted()) await trx.executionPromise;
      return trx;
    });
  connection.commit = (...args) => breaker.execute(() => commit.apply(connection, args));
}

/** What readiness and start-up need to know of the database. */
export class Database {
  private migrated = false;

  constructor(
    readonly orm: Orm,
    /** The embedded database: one PostgreSQL session behind every connection (see PreparedStatements). */
    readonly embedded = false,
  ) {}

  /** Resolves when `select 1` answers within `timeoutMs`; rejects otherwise. */
  async ping(timeoutMs: number): Promise<void> {
    await withTimeout(this.orm.em.getConnection().execute('select 1'), timeoutMs);
  }

  /** Names of migrations not yet applied. Once none is pending, that stays true for this process. */
  async pendingMigrations(): Promise<string[]> {
    if (this.migrated) return [];
    const pending = (await this.orm.getMigrator().getPendingMigrations()).map((m) => m.name);
    this.migrated = pending.length === 0;
    return pending;
  }

  /**
   * Applies pending migrations. On PostgreSQL, under an advisory lock held on a connection of its
   * own (outside the pool, whatever its size), so that instances starting together migrate one
   * after the other: the first applies them, the rest find nothing to do. The lock goes with the
   * connection, should the process die. The embedded database has one process (DATA_DIR's lock).
   */
  async migrate(logger?: Logger): Promise<string[]> {
    const up = async () => (await this.orm.getMigrator().up()).map((m) => m.name);
    const applied = this.embedded ? await up() : await this.underMigrationLock(up, logger);
    this.migrated = true;
    return applied;
  }

  private async underMigrationLock<T>(work: () => Promise<T>, logger?: Logger): Promise<T> {
    const client = this.orm.em.getConnection().getKnex().client as RawConnections;
    const connection = await client.acquireRawConnection();
    try {
      // Polled rather than waited for in one statement, which the driver's query timeout would cut short.
      for (let waiting = false; ; waiting = true) {
        const { rows } = await connection.query('select pg_try_advisory_lock($1) as locked', [MIGRATION_LOCK]);
        if ((rows[0] as { locked: boolean }).locked) break;
        if (!waiting) logger?.info('waiting for another instance to finish migrating');
        await new Promise((resolve) => setTimeout(resolve, MIGRATION_LOCK_POLL_MS));
      }
      return await work();
    } finally {
      // Closing the connection releases the lock too; unlocking first frees it at once.
      await connection.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      await client.destroyRawConnection(connection);
    }
  }

  /** The connection pool's usage, when the driver has a pool (undefined before it exists or after close). */
  poolStats(): PoolStats | undefined {
    const pool = (this.orm.em.getConnection().getKnex().client as { pool?: TarnPool }).pool;
    if (!pool) return undefined;
    return { used: pool.numUsed(), free: pool.numFree(), pending: pool.numPendingAcquires() };
  }

  close(): Promise<void> {
    return this.orm.close(true);
  }
}

/** Gatehouse's advisory lock key for migrations (any 64-bit number other tools do not use). */
export const MIGRATION_LOCK = '7120484175836397569';
const MIGRATION_LOCK_POLL_MS = 250;

/** knex's own connections outside its pool (a node-postgres client each). */
interface RawConnections {
  acquireRawConnection(): Promise<RawConnection>;
  destroyRawConnection(connection: RawConnection): Promise<void>;
}

interface RawConnection {
  query(sql: string, values: unknown[]): Promise<{ rows: unknown[] }>;
}

/** The part of knex's tarn pool that poolStats reads. */
interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

/**
 * One unit of work per scope (a request, a job): its own entity manager,
 * forked the first time something needs it, flushed by `commit`.
 * Transactions are begun and committed on that entity manager itself rather
 * than through `em.transactional`, whose AsyncLocalStorage would be a second one.
 */
export class MikroOrmUnitOfWork implements UnitOfWork {
  constructor(private readonly orm: Orm) {}

  async commit(): Promise<void> {
    const unit = unitOf(this.orm, false);
    if (!unit) return;
    try {
      await unit.em.flush();
    } catch (error) {
      throw translate(error);
    }
    const due = unit.due.splice(0);
    for (const then of due) then();
  }

  afterCommit(then: () => void): void {
    const unit = unitOf(this.orm);
    if (!unit) return then();
    unit.due.push(then);
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    // A fresh unit of work, keeping the request id and trace (if any) for the log and the spans.
    const current = scope.getStore();
    return scope.run({ requestId: current?.requestId, trace: current?.trace }, async () => {
      const result = await work();
      await this.commit();
      return result;
    });
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    const unit = unitOf(this.orm);
    if (!unit) throw new Error('a transaction needs a unit of work (a request, or UnitOfWork.run)');
    const { em } = unit;
    if (em.isInTransaction()) return work();
    await em.begin();
    try {
      const result = await work();
      await em.commit();
      return result;
    } catch (error) {
      // A failed COMMIT has ended the transaction already; rolling back is only for the connection's sake.
      await em.rollback().catch(() => undefined);
      em.resetTransactionContext();
      throw translate(error);
    }
  }
}

/** Driver errors that mean something to the domain become domain errors. */
function translate(error: unknown): unknown {
  if (error instanceof UniqueConstraintViolationException) {
    const constraint = (error as { constraint?: string }).constraint ?? '';
    const field = USER_UNIQUE_FIELDS[constraint];
    if (field) return new ConflictError(field, `A user with this ${field} already exists.`);
  }
  return error;
}
