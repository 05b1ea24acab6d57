import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { ROLES, type Role } from '../models/domain/user';
import type { BreakerSettings } from './breaker';
import { MAKE_MASTER_KEY, masterKeyProblem } from './master-key';
import { StartupError } from './startup';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const UNIT_S = { s: 1, m: 60, h: 3_600 } as const;
/** `<requests>/<window>`, e.g. `600/1m`, `20/1h`, `5/30s`; or `off`. */
const quota = (fallback: string) =>
  z
    .string()
    .regex(/^(off|[1-9]\d{0,6}\/[1-9]\d{0,4}[smh])$/, {
      error: 'must be <requests>/<window> such as 600/1m or 20/1h, or off',
    })
    .default(fallback)
    .transform((v): Quota | undefined => {
      const [, points, count, unit] = /^(\d+)\/(\d+)([smh])$/.exec(v) ?? [];
      return points
        ? { points: Number(points), durationS: Number(count) * UNIT_S[unit as keyof typeof UNIT_S] }
        : undefined;
    })
    // counters in memory expire by setTimeout, which cannot wait past 24.8 days; a day is plenty
    .refine((q) => !q || q.durationS <= 86_400, { error: 'the window must be at most 24h' });

/** A comma-separated list, its items trimmed, empty ones left out; unset: none. */
const commaList = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

/** An OTLP/HTTP endpoint; gRPC (usually port 4317) would need another exporter. */
const otlpUrl = z.string().refine(
  (v) => {
    try {
      return ['http:', 'https:'].includes(new URL(v).protocol);
    } catch {
      return false;
    }
  },
  { error: 'must be an http:// or https:// URL (OTLP over HTTP, e.g. http://collector:4318)' },
);
const otlpProtocol = z.enum(['http/protobuf', 'http/json'], {
  error: 'must be http/protobuf or http/json (grpc is not supported: use the collector on port 4318)',
});
const TRACE_SAMPLERS = [
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
  'always_on',
  'always_off',
  'traceidratio',
] as const;

/** Each worker has its own database pool: more than this many is a mistake rather than a plan. */
const MAX_WORKERS = 128;

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(8000),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'debug', 'silent']).default('info'),
  WEB_CONCURRENCY: optional(int(1, MAX_WORKERS)),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(b|kb|mb)?$/i, { error: 'must be a size such as 1mb, 512kb or 1048576' })
    .default('1mb'),
  REGISTRATION_OPEN: bool.default(true),
  VALIDATE_RESPONSES: optional(bool),
  DATABASE_URL: optional(
    z.string().regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// or postgresql:// URL' }),
  ),
  DATA_DIR: z.string().min(1).default('.data'),
  MIGRATE_ON_START: bool.default(true),
  DB_POOL_MIN: int(0, 1000).default(0),
  DB_POOL_MAX: int(1, 1000).default(10),
  DB_ACQUIRE_TIMEOUT_MS: int(100, 600_000).default(5_000),
  DB_IDLE_TIMEOUT_MS: int(1_000, 3_600_000).default(30_000),
  DB_STATEMENT_TIMEOUT_MS: int(0, 3_600_000).default(15_000),
  DB_LOCK_TIMEOUT_MS: optional(int(0, 3_600_000)),
  DB_QUERY_TIMEOUT_MS: int(100, 3_600_000).default(20_000),
  DB_BREAKER_THRESHOLD: int(1, 1000).default(5),
  DB_BREAKER_HALF_OPEN_MS: int(100, 600_000).default(1_000),
  DB_BREAKER_MAX_HALF_OPEN_MS: int(100, 600_000).default(5_000),
  DB_CONNECT_RETRIES: int(0, 100).default(8),
  DB_CONNECT_BACKOFF_MS: int(10, 60_000).default(250),
  // Refused in every mode when weak (see masterKeyProblem), so no weak key is ever tried out first.
  MASTER_KEY: optional(
    z.string().superRefine((v, ctx) => {
      const problem = masterKeyProblem(v);
      if (problem) {
        ctx.addIssue({
          code: 'custom',
          message: `must be 32 random bytes in base64; this value ${problem} (${MAKE_MASTER_KEY})`,
        });
      }
    }),
  ),
  JWT_ISSUER: z.string().min(1).default('gatehouse'),
  JWT_AUDIENCE: z.string().min(1).default('gatehouse'),
  ACCESS_TOKEN_TTL_S: int(30, 86_400).default(600),
  SESSION_TTL_S: int(60, 31_536_000).default(2_592_000),
  SESSION_IDLE_TTL_S: int(60, 31_536_000).default(604_800),
  REFRESH_GRACE_S: int(0, 300).default(5),
  KEY_ROTATION_INTERVAL_S: int(60, 31_536_000).default(2_592_000),
  ADMIN_USERNAME: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{3,32}$/, { error: 'must be 3-32 of A-Z a-z 0-9 _ . -' })
    .default('admin'),
  ADMIN_EMAIL: optional(z.email({ error: 'must be an email address' })),
  ADMIN_PASSWORD: optional(
    z.string().min(12, { error: 'must be 12-128 characters' }).max(128, { error: 'must be 12-128 characters' }),
  ),
  // HTTP edge
  CORS_ORIGINS: commaList.refine((origins) => origins.every((o) => /^https?:\/\/[^/\s*]+$/.test(o)), {
    error: 'must be exact origins such as https://app.example.com, comma-separated (no *, no null, no path)',
  }),
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v): boolean | number | string =>
      v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v,
    ),
  TLS_CERT_FILE: optional(z.string().min(1)),
  TLS_KEY_FILE: optional(z.string().min(1)),
  ALLOW_INSECURE_HTTP: bool.default(false),
  REQUEST_TIMEOUT_MS: int(1_000, 600_000).default(30_000),
  HEADERS_TIMEOUT_MS: int(1_000, 600_000).default(10_000),
  KEEP_ALIVE_TIMEOUT_MS: int(0, 600_000).default(5_000),
  MAX_CONNECTIONS: int(0, 1_000_000).default(4_096),
  MAX_CONNECTIONS_PER_IP: optional(int(0, 1_000_000)),
  SHUTDOWN_DELAY_MS: int(0, 120_000).default(0),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(15_000),
  METRICS_TOKEN: optional(
    z.string().regex(/^[\x21-\x7e]{16,256}$/, { error: 'must be 16-256 printable characters without spaces' }),
  ),
  // Abuse limits
  REDIS_URL: optional(z.string().regex(/^rediss?:\/\//, { error: 'must be a redis:// or rediss:// URL' })),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, { error: 'must be 1-64 of A-Z a-z 0-9 : _ . -' })
    .default('gatehouse:'),
  RATE_LIMIT_PER_IP: quota('600/1m'),
  RATE_LIMIT_TOKEN_PER_IP: quota('20/1m'),
  RATE_LIMIT_SIGNUP_PER_IP: quota('20/1h'),
  LOGIN_FAILURES_PER_HOUR: int(1, 1_000).default(10),
  // Multi-factor authentication
  MFA_ISSUER: z
    .string()
    .regex(/^[^:\p{Cc}]{1,64}$/u, { error: 'must be 1-64 characters, without a colon or control characters' })
    .default('Gatehouse'),
  MFA_REQUIRED_ROLES: commaList
    .refine((roles) => roles.every((r) => (ROLES as readonly string[]).includes(r)), {
      error: `must be roles from ${ROLES.join(', ')}, comma-separated`,
    })
    .transform((roles) => [...new Set(roles)] as Role[]),
  // Tracing: OpenTelemetry's own variables, off unless an endpoint is set
  OTEL_EXPORTER_OTLP_ENDPOINT: optional(otlpUrl),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optional(otlpUrl),
  OTEL_EXPORTER_OTLP_PROTOCOL: optional(otlpProtocol),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: optional(otlpProtocol),
  OTEL_SERVICE_NAME: optional(z.string().min(1)),
  OTEL_TRACES_SAMPLER: z
    .enum(TRACE_SAMPLERS, { error: `must be one of ${TRACE_SAMPLERS.join(', ')}` })
    .default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: optional(
    z.coerce
      .number({ error: 'must be a number from 0 to 1' })
      .min(0, { error: 'must be a number from 0 to 1' })
      .max(1, { error: 'must be a number from 0 to 1' }),
  ),
  OTEL_SDK_DISABLED: bool.default(false),
});

/** Every variable loadConfig reads. */
export const SETTING_NAMES = Object.keys(schema.shape) as (keyof typeof schema.shape)[];

/** The variables loadConfig reads, all optional strings as in process.env. */
export type Env = Partial<Record<keyof z.input<typeof schema>, string>>;

/** At most `points` requests per `durationS` seconds, counted from a key's first request. */
export interface Quota {
  points: number;
  durationS: number;
}

export interface Config {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  logLevel: 'error' | 'warn' | 'info' | 'http' | 'debug' | 'silent';
  /** HTTP worker processes sharing the port (node:cluster); 1: a single process, no cluster. */
  workers: {
    count: number;
    /** Where the count came from: WEB_CONCURRENCY, or the default (one per core in production, else 1). */
    source: 'setting' | 'default';
  };
  bodyLimit: string;
  registrationOpen: boolean;
  validateResponses: boolean;
  database: {
    /** Unset: the embedded database (PGlite) under `dataDir`. */
    url: string | undefined;
    dataDir: string;
    migrateOnStart: boolean;
    poolMin: number;
    poolMax: number;
    acquireTimeoutMs: number;
    idleTimeoutMs: number;
    statementTimeoutMs: number;
    /** Server-side bound on waiting for a lock (0: none): a request behind a locked table fails fast, with 503. */
    lockTimeoutMs: number;
    /** Client-side bound on one round trip (and, as the acquire timeout, on connecting): a stalled database errs instead of hanging. */
    queryTimeoutMs: number;
    breaker: BreakerSettings;
    connectRetries: number;
    connectBackoffMs: number;
  };
  auth: {
    /** Derives the key that encrypts signing keys and the key that derives refresh tokens. Unset only outside production. */
    masterKey: Buffer | undefined;
    issuer: string;
    audience: string;
    accessTokenTtlS: number;
    sessionTtlS: number;
    sessionIdleTtlS: number;
    refreshGraceS: number;
    keyRotationIntervalS: number;
  };
  /** Created at start-up when email and password are set and no user has the username. */
  admin: { username: string; email: string | undefined; password: string | undefined };
  http: {
    /** Exact origins that get CORS headers; empty: none do. */
    corsOrigins: string[];
    /** express's `trust proxy`: false, true, a hop count, or addresses/subnets. */
    trustProxy: boolean | number | string;
    tls: { certFile: string; keyFile: string } | undefined;
    allowInsecureHttp: boolean;
    requestTimeoutMs: number;
    headersTimeoutMs: number;
    keepAliveTimeoutMs: number;
    /** Open connections per process; one more is closed at once. Undefined: no limit. */
    maxConnections: number | undefined;
    /**
     * Open connections per process from one address (IPv6: one /64), as the socket sees it: behind
     * a proxy, the proxy's. Undefined: no limit (the default when TRUST_PROXY is set).
     */
    maxConnectionsPerIp: number | undefined;
    /** After SIGTERM, readiness answers 503 this long before the server stops accepting. */
    shutdownDelayMs: number;
    /** In-flight requests get this long to finish before their connections are closed. */
    shutdownTimeoutMs: number;
  };
  /** Unset: `GET /metrics` is open. */
  metrics: { token: string | undefined };
  /** Unset: counters live in this process's memory. */
  redis: { url: string | undefined; keyPrefix: string };
  /** Per client address; undefined: not limited. */
  rateLimits: {
    perIp: Quota | undefined;
    /** POST /v1/auth/token and POST /v1/users, on top of perIp (the spec's `x-rate-limit`). */
    token: Quota | undefined;
    signup: Quota | undefined;
    /** Failed password logins per account per hour, before that account answers 429 until the hour is up. */
    loginFailuresPerHour: number;
  };
  mfa: {
    /** The issuer an authenticator app shows next to the account (the otpauth URI's). */
    issuer: string;
    /** Users with any of these roles must enrol an authenticator app before anything else. */
    requiredRoles: Role[];
  };
  /** Unset (no OTLP endpoint, or OTEL_SDK_DISABLED): no span is made and OpenTelemetry is never loaded. */
  tracing: TracingSettings | undefined;
}

export interface TracingSettings {
  /** Where spans are POSTed: the traces endpoint, or the base endpoint + `/v1/traces`. */
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  /** Unset: `service.name` from OTEL_RESOURCE_ATTRIBUTES, else `gatehouse`. */
  serviceName: string | undefined;
  sampler: (typeof TRACE_SAMPLERS)[number];
  /** The share of new traces kept by the `traceidratio` samplers. */
  ratio: number;
}

/** Every bad setting, said on one line: `invalid settings: PORT: must be … (got "x"); HOST: …`. */
export class ConfigError extends StartupError {
  constructor(readonly problems: string[]) {
    super(`invalid settings: ${problems.join('; ')}`, [...new Set(problems.map((p) => p.split(/[:,]/)[0]))].join(', '));
    this.name = 'ConfigError';
  }
}

/** Never shown in an error; each may come from the file `<NAME>_FILE` names instead (Docker and Kubernetes secrets). */
export const SECRET_SETTINGS = ['DATABASE_URL', 'MASTER_KEY', 'ADMIN_PASSWORD', 'METRICS_TOKEN', 'REDIS_URL'] as const;

/**
 * The environment with each secret `<NAME>` taken from the file `<NAME>_FILE` names, less one
 * trailing newline, and no `*_FILE` left (so reading it again changes nothing). Setting both, or
 * a file that cannot be read, is a ConfigError that names the variable and the path.
 */
export function readSecretFiles(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const resolved = { ...env };
  const problems: string[] = [];
  for (const name of SECRET_SETTINGS) {
    const path = env[`${name}_FILE`];
    delete resolved[`${name}_FILE`];
    if (!path) continue;
    if (env[name]) {
      problems.push(`${name}, ${name}_FILE: set one or the other, not both`);
      continue;
    }
    try {
      resolved[name] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      problems.push(`${name}_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return resolved;
}

/** Reads and validates every setting; throws ConfigError naming each bad variable. */
export function loadConfig(environment: Record<string, string | undefined> = process.env): Config {
  const env = readSecretFiles(environment);
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message} (got ${show(env, issue.path)})`),
    );
  }
  const s = parsed.data;
  const problems: string[] = [];
  if (s.DB_POOL_MIN > s.DB_POOL_MAX) problems.push('DB_POOL_MIN: must not exceed DB_POOL_MAX');
  if (s.NODE_ENV === 'production' && !s.MASTER_KEY) {
    problems.push(`MASTER_KEY: required in production (${MAKE_MASTER_KEY})`);
  }
  if (s.SESSION_IDLE_TTL_S > s.SESSION_TTL_S) problems.push('SESSION_IDLE_TTL_S: must not exceed SESSION_TTL_S');
  if (Boolean(s.ADMIN_EMAIL) !== Boolean(s.ADMIN_PASSWORD)) {
    problems.push('ADMIN_EMAIL, ADMIN_PASSWORD: set both to create the first admin, or neither');
  }
  if (Boolean(s.TLS_CERT_FILE) !== Boolean(s.TLS_KEY_FILE)) {
    problems.push('TLS_CERT_FILE, TLS_KEY_FILE: set both to serve HTTPS, or neither');
  }
  if (s.NODE_ENV === 'production' && !s.TLS_CERT_FILE && s.TRUST_PROXY === false && !s.ALLOW_INSECURE_HTTP) {
    problems.push(
      'TLS_CERT_FILE: production serves HTTPS: set TLS_CERT_FILE and TLS_KEY_FILE, or TRUST_PROXY behind a TLS-terminating proxy, or ALLOW_INSECURE_HTTP=true',
    );
  }
  if (s.DB_STATEMENT_TIMEOUT_MS > 0 && s.DB_QUERY_TIMEOUT_MS <= s.DB_STATEMENT_TIMEOUT_MS) {
    problems.push(
      'DB_QUERY_TIMEOUT_MS: must exceed DB_STATEMENT_TIMEOUT_MS, so the server cancels a slow statement before the client gives up on its connection',
    );
  }
  if (s.DB_LOCK_TIMEOUT_MS && s.DB_STATEMENT_TIMEOUT_MS > 0 && s.DB_LOCK_TIMEOUT_MS >= s.DB_STATEMENT_TIMEOUT_MS) {
    problems.push(
      'DB_LOCK_TIMEOUT_MS: must be below DB_STATEMENT_TIMEOUT_MS, or the statement timeout always cancels first',
    );
  }
  if (s.DB_BREAKER_HALF_OPEN_MS > s.DB_BREAKER_MAX_HALF_OPEN_MS) {
    problems.push('DB_BREAKER_HALF_OPEN_MS: must not exceed DB_BREAKER_MAX_HALF_OPEN_MS');
  }
  if (s.HEADERS_TIMEOUT_MS > s.REQUEST_TIMEOUT_MS)
    problems.push('HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS');
  // Behind a proxy every connection comes from the proxy: no per-address cap unless asked for.
  const maxConnectionsPerIp = s.MAX_CONNECTIONS_PER_IP ?? (s.TRUST_PROXY === false ? 100 : 0);
  if (s.MAX_CONNECTIONS > 0 && maxConnectionsPerIp > s.MAX_CONNECTIONS) {
    problems.push('MAX_CONNECTIONS_PER_IP: must not exceed MAX_CONNECTIONS');
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    env: s.NODE_ENV,
    host: s.HOST,
    port: s.PORT,
    logLevel: s.LOG_LEVEL,
    workers: s.WEB_CONCURRENCY
      ? { count: s.WEB_CONCURRENCY, source: 'setting' }
      : { count: s.NODE_ENV === 'production' ? Math.min(availableParallelism(), MAX_WORKERS) : 1, source: 'default' },
    bodyLimit: s.BODY_LIMIT,
    registrationOpen: s.REGISTRATION_OPEN,
    validateResponses: s.VALIDATE_RESPONSES ?? s.NODE_ENV !== 'production',
    database: {
      url: s.DATABASE_URL,
      dataDir: s.DATA_DIR,
      migrateOnStart: s.MIGRATE_ON_START,
      poolMin: s.DB_POOL_MIN,
      poolMax: s.DB_POOL_MAX,
      acquireTimeoutMs: s.DB_ACQUIRE_TIMEOUT_MS,
      idleTimeoutMs: s.DB_IDLE_TIMEOUT_MS,
      statementTimeoutMs: s.DB_STATEMENT_TIMEOUT_MS,
      lockTimeoutMs: s.DB_LOCK_TIMEOUT_MS ?? Math.floor(s.DB_STATEMENT_TIMEOUT_MS / 3),
      queryTimeoutMs: s.DB_QUERY_TIMEOUT_MS,
      breaker: {
        threshold: s.DB_BREAKER_THRESHOLD,
        halfOpenAfterMs: s.DB_BREAKER_HALF_OPEN_MS,
        maxHalfOpenAfterMs: s.DB_BREAKER_MAX_HALF_OPEN_MS,
      },
      connectRetries: s.DB_CONNECT_RETRIES,
      connectBackoffMs: s.DB_CONNECT_BACKOFF_MS,
    },
    auth: {
      masterKey: s.MASTER_KEY ? Buffer.from(s.MASTER_KEY, 'base64') : undefined,
      issuer: s.JWT_ISSUER,
      audience: s.JWT_AUDIENCE,
      accessTokenTtlS: s.ACCESS_TOKEN_TTL_S,
      sessionTtlS: s.SESSION_TTL_S,
      sessionIdleTtlS: s.SESSION_IDLE_TTL_S,
      refreshGraceS: s.REFRESH_GRACE_S,
      keyRotationIntervalS: s.KEY_ROTATION_INTERVAL_S,
    },
    admin: { username: s.ADMIN_USERNAME, email: s.ADMIN_EMAIL, password: s.ADMIN_PASSWORD },
    http: {
      corsOrigins: s.CORS_ORIGINS,
      trustProxy: s.TRUST_PROXY,
      tls: s.TLS_CERT_FILE && s.TLS_KEY_FILE ? { certFile: s.TLS_CERT_FILE, keyFile: s.TLS_KEY_FILE } : undefined,
      allowInsecureHttp: s.ALLOW_INSECURE_HTTP,
      requestTimeoutMs: s.REQUEST_TIMEOUT_MS,
      headersTimeoutMs: s.HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: s.KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: s.MAX_CONNECTIONS || undefined,
      maxConnectionsPerIp: maxConnectionsPerIp || undefined,
      shutdownDelayMs: s.SHUTDOWN_DELAY_MS,
      shutdownTimeoutMs: s.SHUTDOWN_TIMEOUT_MS,
    },
    metrics: { token: s.METRICS_TOKEN },
    redis: { url: s.REDIS_URL, keyPrefix: s.REDIS_KEY_PREFIX },
    rateLimits: {
      perIp: s.RATE_LIMIT_PER_IP,
      token: s.RATE_LIMIT_TOKEN_PER_IP,
      signup: s.RATE_LIMIT_SIGNUP_PER_IP,
      loginFailuresPerHour: s.LOGIN_FAILURES_PER_HOUR,
    },
    mfa: { issuer: s.MFA_ISSUER, requiredRoles: s.MFA_REQUIRED_ROLES },
    tracing: tracingSettings(s),
  };
}

/**
 * Settings that are valid but most likely a mistake, each said as one line
 * that starts with the setting; start-up logs them as warnings.
 */
export function settingWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.http.trustProxy === true) {
    warnings.push(
      "TRUST_PROXY=true: every X-Forwarded-For is believed, so any client that reaches this port can name its own address and slip past every per-address limit; set the hop count to the proxy (e.g. TRUST_PROXY=1) or the proxies' addresses instead",
    );
  }
  return warnings;
}

function tracingSettings(s: z.output<typeof schema>): TracingSettings | undefined {
  const base = s.OTEL_EXPORTER_OTLP_ENDPOINT;
  // As OpenTelemetry specifies: the signal's own endpoint as given, else the base endpoint + v1/traces.
  const url = s.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base && `${base.replace(/\/$/, '')}/v1/traces`);
  if (!url || s.OTEL_SDK_DISABLED) return undefined;
  return {
    url,
    protocol: s.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? s.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    serviceName: s.OTEL_SERVICE_NAME,
    sampler: s.OTEL_TRACES_SAMPLER,
    ratio: s.OTEL_TRACES_SAMPLER_ARG ?? 1,
  };
}

function show(env: Record<string, string | undefined>, path: PropertyKey[]): string {
  const key = String(path[0]);
  if ((SECRET_SETTINGS as readonly string[]).includes(key)) return 'a value that is not shown';
  const value = env[key];
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
