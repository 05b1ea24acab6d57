import { z } from 'zod';

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

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(8000),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'debug', 'silent']).default('info'),
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
  DB_CONNECT_RETRIES: int(0, 100).default(8),
  DB_CONNECT_BACKOFF_MS: int(10, 60_000).default(250),
});

/** Every variable loadConfig reads. */
export const SETTING_NAMES = Object.keys(schema.shape) as (keyof typeof schema.shape)[];

/** The variables loadConfig reads, all optional strings as in process.env. */
export type Env = Partial<Record<keyof z.input<typeof schema>, string>>;

export interface Config {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  logLevel: 'error' | 'warn' | 'info' | 'http' | 'debug' | 'silent';
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
    connectRetries: number;
    connectBackoffMs: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates every setting; throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message} (got ${show(env, issue.path)})`),
    );
  }
  const s = parsed.data;
  if (s.DB_POOL_MIN > s.DB_POOL_MAX) throw new ConfigError(['DB_POOL_MIN: must not exceed DB_POOL_MAX']);
  return {
    env: s.NODE_ENV,
    host: s.HOST,
    port: s.PORT,
    logLevel: s.LOG_LEVEL,
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
      connectRetries: s.DB_CONNECT_RETRIES,
      connectBackoffMs: s.DB_CONNECT_BACKOFF_MS,
    },
  };
}

function show(env: Record<string, string | undefined>, path: PropertyKey[]): string {
  const key = String(path[0]);
  if (key === 'DATABASE_URL') return 'a value that is not shown';
  const value = env[key];
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
