import type Redis from 'ioredis';
import { container as root, type DependencyContainer } from 'tsyringe';
import {
  AUDIT,
  CLOCK,
  CONFIG,
  CREDENTIAL_REPOSITORY,
  DATABASE_CIRCUIT,
  DATABASE_HEALTH,
  KEY_HEALTH,
  LIFECYCLE,
  LOGGER,
  LOGIN_THROTTLE,
  MFA_REPOSITORY,
  PASSWORD_HASHER,
  PASSWORD_POLICY,
  REDIS_HEALTH,
  REFRESH_TOKEN_REPOSITORY,
  SECRET_KEYS,
  CURSOR_CODEC,
  SESSION_REPOSITORY,
  SIGNING_KEY_REPOSITORY,
  TRACING,
  UNIT_OF_WORK,
  USER_REPOSITORY,
} from './container.tokens';
import { isUnavailable } from './api/middleware/problem';
import { isClusterWorker } from './cluster';
import { LogAudit } from './core/audit';
import { systemClock } from './core/clock';
import { DatabaseBreaker } from './core/breaker';
import type { Config } from './core/config';
import { CursorCodec } from './core/cursor';
import { Lifecycle } from './core/lifecycle';
import type { Logger } from './core/logging';
import { Metrics } from './core/metrics';
import { RateLimits } from './core/rate-limit';
import { RedisHealth } from './core/redis';
import { Argon2PasswordHasher, type SecretKeys } from './core/security';
import type { Tracing } from './core/tracing';
import { PreparedStatements, type Guard } from './db/prepared';
import { MikroOrmUnitOfWork, routeThroughBreaker, type Database } from './db/session';
import { traceQueries, traceStatements } from './db/traced';
import { MikroOrmRefreshTokenRepository, MikroOrmSessionRepository } from './repositories/mikro-orm-session.repository';
import { MikroOrmMfaRepository } from './repositories/mikro-orm-mfa.repository';
import { MikroOrmSigningKeyRepository } from './repositories/mikro-orm-signing-key.repository';
import { MikroOrmUserRepository } from './repositories/mikro-orm-user.repository';
import { AuthService } from './services/auth.service';
import { CountingLoginThrottle } from './services/login-throttle';
import { MfaService } from './services/mfa.service';
import { ZxcvbnPasswordPolicy } from './services/password-policy';
import { NOT_CONFIGURED } from './services/readiness.service';
import { SigningKeyService } from './services/signing-key.service';
import { TokenService } from './services/token.service';
import { UserService } from './services/user.service';

export interface Infrastructure {
  config: Config;
  logger: Logger;
  database: Database;
  secrets: SecretKeys;
  /** The rate limits' shared counters; unset: each instance counts in memory. */
  redis?: Redis | undefined;
  /** Unset: tracing is off, and no database call is wrapped for it. */
  tracing?: Tracing | undefined;
}

/** The dictionaries take about 0.2 s and 6 MB to load: once per process, not per container. */
let policy: ZxcvbnPasswordPolicy | undefined;
function passwordPolicy(): ZxcvbnPasswordPolicy {
  policy ??= new ZxcvbnPasswordPolicy();
  return policy;
}

/** The one composition root: every token the application resolves is registered here. */
export function createContainer(deps: Infrastructure): DependencyContainer {
  const { em } = deps.database.orm;
  const c = root.createChildContainer();
  c.register(CONFIG, { useValue: deps.config });
  c.register(LOGGER, { useValue: deps.logger });
  c.register(SECRET_KEYS, { useValue: deps.secrets });
  c.register(CLOCK, { useValue: systemClock });
  c.register(CURSOR_CODEC, { useValue: new CursorCodec(deps.secrets.cursorSigning) });
  // One registry per container: the audit trail feeds its login and reuse counters.
  const metrics = new Metrics(() => deps.database.poolStats());
  c.register(Metrics, { useValue: metrics });
  const breaker = new DatabaseBreaker(deps.config.database.breaker, isUnavailable, deps.logger);
  breaker.onStateChange(metrics.onCircuitState);
  routeThroughBreaker(deps.database.orm, breaker);
  const guard: Guard = (call) => breaker.execute(call);
  if (deps.tracing) {
    c.register(TRACING, { useValue: deps.tracing });
    traceQueries(deps.database.orm);
  }
  const sql = new PreparedStatements(deps.database, deps.tracing ? traceStatements(guard) : guard);
  const users = new MikroOrmUserRepository(em, sql);
  c.register(DATABASE_CIRCUIT, { useValue: breaker });

  c.register(PASSWORD_HASHER, { useValue: new Argon2PasswordHasher() });
  c.register(PASSWORD_POLICY, { useValue: passwordPolicy() });
  c.register(DATABASE_HEALTH, { useValue: deps.database });
  c.register(REDIS_HEALTH, { useValue: deps.redis ? new RedisHealth(deps.redis) : NOT_CONFIGURED });
  const counters = { redis: deps.redis, keyPrefix: deps.config.redis.keyPrefix, cluster: isClusterWorker() };
  c.register(RateLimits, { useValue: new RateLimits(deps.config.rateLimits, counters, metrics.onRateLimited) });
  c.register(LOGIN_THROTTLE, {
    useValue: new CountingLoginThrottle(deps.config.rateLimits.loginFailuresPerHour, counters),
  });
  c.register(LIFECYCLE, { useValue: new Lifecycle() });
  const uow = new MikroOrmUnitOfWork(deps.database.orm);
  c.register(UNIT_OF_WORK, { useValue: uow });
  c.register(AUDIT, { useValue: new LogAudit(deps.logger, uow, [metrics.onAudit]) });
  c.register(USER_REPOSITORY, { useValue: users });
  c.register(CREDENTIAL_REPOSITORY, { useValue: users });
  c.register(SESSION_REPOSITORY, { useValue: new MikroOrmSessionRepository(em, sql) });
  c.register(REFRESH_TOKEN_REPOSITORY, { useValue: new MikroOrmRefreshTokenRepository(em) });
  c.register(SIGNING_KEY_REPOSITORY, { useValue: new MikroOrmSigningKeyRepository(em) });
  c.register(MFA_REPOSITORY, { useValue: new MikroOrmMfaRepository(em) });
  // Services keep state (key cache, dummy hash): one of each per container.
  for (const service of [SigningKeyService, TokenService, MfaService, AuthService, UserService]) {
    c.registerSingleton(service as never);
  }
  c.register(KEY_HEALTH, { useFactory: (r) => r.resolve(SigningKeyService) });
  return c;
}
