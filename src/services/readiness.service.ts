import { inject, injectable } from 'tsyringe';
import { DATABASE_CIRCUIT, DATABASE_HEALTH, KEY_HEALTH, LIFECYCLE, LOGGER, REDIS_HEALTH } from '../container.tokens';
import type { CircuitStateName } from '../core/breaker';
import type { Lifecycle } from '../core/lifecycle';
import type { Logger } from '../core/logging';
import { safeMessage } from '../core/error-description';

export interface DatabaseHealth {
  ping(timeoutMs: number): Promise<void>;
  pendingMigrations(): Promise<string[]>;
}

/** A dependency checked only where it is configured (Redis, with REDIS_URL). */
export interface OptionalHealth {
  readonly configured: boolean;
  ping(timeoutMs: number): Promise<void>;
}

export const NOT_CONFIGURED: OptionalHealth = { configured: false, ping: async () => undefined };

/** Whether this instance can open the stored signing keys (see SigningKeyService.keyProblem). */
export interface KeyHealth {
  keyProblem(): Promise<string | null>;
}

export interface Check {
  status: 'ok' | 'failing';
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  checks: {
    database: Check;
    migrations: Check;
    signing_keys: Check;
    circuit: Check;
    shutdown: Check;
    redis?: Check;
  };
}

export const READINESS_TIMEOUT_MS = 2_000;

@injectable()
export class ReadinessService {
  constructor(
    @inject(DATABASE_HEALTH) private readonly db: DatabaseHealth,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(LIFECYCLE) private readonly lifecycle: Pick<Lifecycle, 'shuttingDown'>,
    @inject(DATABASE_CIRCUIT) private readonly circuit: { readonly state: CircuitStateName },
    @inject(KEY_HEALTH) private readonly keys: KeyHealth,
    @inject(REDIS_HEALTH) private readonly redis: OptionalHealth = NOT_CONFIGURED,
  ) {}

  async check(): Promise<Readiness> {
    const [database, redis] = await Promise.all([
      this.probe('database', () => this.db.ping(READINESS_TIMEOUT_MS)),
      this.redis.configured ? this.probe('redis', () => this.redis.ping(READINESS_TIMEOUT_MS)) : undefined,
    ]);
    const unknown: Check = { status: 'failing', detail: 'unknown while the database does not answer' };
    const migrations: Check =
      database.status === 'ok'
        ? await this.probe('migrations', async () => {
            const pending = await this.db.pendingMigrations();
            if (pending.length) throw new Error(`pending: ${pending.join(', ')}`);
          })
        : unknown;
    // The keys are read from the database: with migrations pending there may be no table to read.
    const signingKeys: Check =
      migrations.status === 'ok'
        ? await this.keyCheck()
        : database.status === 'ok'
          ? { status: 'failing', detail: 'unknown until the migrations are applied' }
          : unknown;
    // Read after the ping, which goes through the breaker: when a probe is due, the ping is that probe.
    const circuit: Check =
      this.circuit.state === 'closed'
        ? { status: 'ok' }
        : { status: 'failing', detail: 'database calls are paused after repeated failures until a probe succeeds' };
    const shutdown: Check = this.lifecycle.shuttingDown
      ? { status: 'failing', detail: 'the process is shutting down' }
      : { status: 'ok' };
    const checks = { database, migrations, signing_keys: signingKeys, circuit, shutdown, ...(redis ? { redis } : {}) };
    return { ready: Object.values(checks).every((c) => c.status === 'ok'), checks };
  }

  /** The mismatch is said as it is (an operator fixes it); a failure to read the keys, like any other. */
  private async keyCheck(): Promise<Check> {
    let problem: string | null = null;
    const read = await this.probe('signing_keys', async () => {
      problem = await this.keys.keyProblem();
    });
    return problem ? { status: 'failing', detail: problem } : read;
  }

  /** The reason goes to the log; the answer says only what failed, never a host or driver message. */
  private async probe(name: keyof typeof FAILING, run: () => Promise<void>): Promise<Check> {
    try {
      await run();
      return { status: 'ok' };
    } catch (error) {
      this.logger.warn('readiness check failed', { check: name, reason: safeMessage(error) });
      return { status: 'failing', detail: FAILING[name] };
    }
  }
}

const FAILING = {
  database: 'the database did not answer',
  migrations: 'migrations are pending or could not be read',
  signing_keys: 'the signing keys could not be read',
  redis: 'redis did not answer; rate limits are counted per instance meanwhile',
} as const;
