import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, readSecretFiles, SECRET_SETTINGS, settingWarnings } from '../../src/core/config';
import { masterKeyProblem } from '../../src/core/master-key';

/** A fixed key that passes the checks on MASTER_KEY (made by `openssl rand -base64 32`). */
const key = 'aUd/6u4Xs+M//Wwvlj5KF4+V6ygxQRqS0+0ExDwbrRg=';

describe('loadConfig', () => {
  it('has working defaults for a fresh machine', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      host: '127.0.0.1',
      port: 8000,
      bodyLimit: '1mb',
      registrationOpen: true,
      validateResponses: true,
      database: { url: undefined, dataDir: '.data', migrateOnStart: true, poolMax: 10 },
    });
  });

  it('reads every setting', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      MASTER_KEY: key,
      CORS_ORIGINS: 'https://app.example.com, http://localhost:3000',
      TRUST_PROXY: '1',
      REQUEST_TIMEOUT_MS: '20000',
      HEADERS_TIMEOUT_MS: '5000',
      KEEP_ALIVE_TIMEOUT_MS: '4000',
      MAX_CONNECTIONS: '2000',
      MAX_CONNECTIONS_PER_IP: '40',
      SHUTDOWN_DELAY_MS: '2000',
      SHUTDOWN_TIMEOUT_MS: '9000',
      JWT_ISSUER: 'https://id.example.com',
      JWT_AUDIENCE: 'api',
      ACCESS_TOKEN_TTL_S: '300',
      SESSION_TTL_S: '86400',
      SESSION_IDLE_TTL_S: '3600',
      REFRESH_GRACE_S: '3',
      KEY_ROTATION_INTERVAL_S: '7200',
      ADMIN_USERNAME: 'root',
      ADMIN_EMAIL: 'root@example.com',
      ADMIN_PASSWORD: 'a long admin password',
      HOST: '0.0.0.0',
      PORT: '9000',
      LOG_LEVEL: 'warn',
      WEB_CONCURRENCY: '3',
      BODY_LIMIT: '512kb',
      REGISTRATION_OPEN: 'false',
      DATABASE_URL: 'postgresql://u@db:5432/app',
      DATA_DIR: '/var/lib/gatehouse',
      MIGRATE_ON_START: 'no',
      DB_POOL_MIN: '2',
      DB_POOL_MAX: '20',
      DB_ACQUIRE_TIMEOUT_MS: '1000',
      DB_IDLE_TIMEOUT_MS: '5000',
      DB_STATEMENT_TIMEOUT_MS: '2000',
      DB_QUERY_TIMEOUT_MS: '3000',
      DB_BREAKER_THRESHOLD: '3',
      DB_BREAKER_HALF_OPEN_MS: '500',
      DB_BREAKER_MAX_HALF_OPEN_MS: '4000',
      DB_CONNECT_RETRIES: '3',
      DB_CONNECT_BACKOFF_MS: '100',
      METRICS_TOKEN: 'a-metrics-scrape-token',
      REDIS_URL: 'redis://cache:6379/2',
      REDIS_KEY_PREFIX: 'gh:',
      RATE_LIMIT_PER_IP: '100/30s',
      RATE_LIMIT_TOKEN_PER_IP: '5/1m',
      RATE_LIMIT_SIGNUP_PER_IP: 'off',
      LOGIN_FAILURES_PER_HOUR: '7',
      MFA_ISSUER: 'Example Corp',
      MFA_REQUIRED_ROLES: 'admin, admin',
    });
    expect(config).toEqual({
      env: 'production',
      host: '0.0.0.0',
      port: 9000,
      logLevel: 'warn',
      workers: { count: 3, source: 'setting' },
      bodyLimit: '512kb',
      registrationOpen: false,
      validateResponses: false,
      database: {
        url: 'postgresql://u@db:5432/app',
        dataDir: '/var/lib/gatehouse',
        migrateOnStart: false,
        poolMin: 2,
        poolMax: 20,
        acquireTimeoutMs: 1000,
        idleTimeoutMs: 5000,
        statementTimeoutMs: 2000,
        lockTimeoutMs: 666,
        queryTimeoutMs: 3000,
        breaker: { threshold: 3, halfOpenAfterMs: 500, maxHalfOpenAfterMs: 4000 },
        connectRetries: 3,
        connectBackoffMs: 100,
      },
      auth: {
        masterKey: Buffer.from(key, 'base64'),
        issuer: 'https://id.example.com',
        audience: 'api',
        accessTokenTtlS: 300,
        sessionTtlS: 86400,
        sessionIdleTtlS: 3600,
        refreshGraceS: 3,
        keyRotationIntervalS: 7200,
      },
      admin: { username: 'root', email: 'root@example.com', password: 'a long admin password' },
      http: {
        corsOrigins: ['https://app.example.com', 'http://localhost:3000'],
        trustProxy: 1,
        tls: undefined,
        allowInsecureHttp: false,
        requestTimeoutMs: 20000,
        headersTimeoutMs: 5000,
        keepAliveTimeoutMs: 4000,
        maxConnections: 2000,
        maxConnectionsPerIp: 40,
        shutdownDelayMs: 2000,
        shutdownTimeoutMs: 9000,
      },
      metrics: { token: 'a-metrics-scrape-token' },
      mfa: { issuer: 'Example Corp', requiredRoles: ['admin'] },
      redis: { url: 'redis://cache:6379/2', keyPrefix: 'gh:' },
      rateLimits: {
        perIp: { points: 100, durationS: 30 },
        token: { points: 5, durationS: 60 },
        signup: undefined,
        loginFailuresPerHour: 7,
      },
    });
  });

  it.each(['600', '600/m', '0/1m', '10/0s', '10/1d', '-1/1m', '10 / 1m'])('refuses the rate limit %j', (quota) => {
    expect(() => loadConfig({ RATE_LIMIT_PER_IP: quota })).toThrow(/RATE_LIMIT_PER_IP: must be <requests>\/<window>/);
  });

  it('refuses a rate-limit window over a day', () => {
    expect(() => loadConfig({ RATE_LIMIT_SIGNUP_PER_IP: '10/25h' })).toThrow(/RATE_LIMIT_SIGNUP_PER_IP: the window/);
    expect(loadConfig({ RATE_LIMIT_SIGNUP_PER_IP: '10/24h' }).rateLimits.signup).toEqual({
      points: 10,
      durationS: 86_400,
    });
  });

  it.each(['root', 'admin,owner'])('refuses MFA_REQUIRED_ROLES=%j: only roles there are', (roles) => {
    expect(() => loadConfig({ MFA_REQUIRED_ROLES: roles })).toThrow(
      /MFA_REQUIRED_ROLES: must be roles from user, admin/,
    );
  });

  it.each(['Acme:Login', 'tab\there', 'x'.repeat(65)])('refuses MFA_ISSUER=%j (a colon ends the label)', (issuer) => {
    expect(() => loadConfig({ MFA_ISSUER: issuer })).toThrow(/MFA_ISSUER: must be 1-64 characters/);
  });

  it('refuses a REDIS_URL that is not redis:// without showing it', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://user:secret@cache' })).toThrow(/REDIS_URL: must be a redis/);
    expect(() => loadConfig({ REDIS_URL: 'http://user:secret@cache' })).not.toThrow(/secret/);
  });

  it('validates responses in production only when asked', () => {
    expect(
      loadConfig({ NODE_ENV: 'production', MASTER_KEY: key, TRUST_PROXY: 'true', VALIDATE_RESPONSES: 'true' })
        .validateResponses,
    ).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test', VALIDATE_RESPONSES: 'false' }).validateResponses).toBe(false);
  });

  it('refuses a short METRICS_TOKEN without showing it', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(
      /METRICS_TOKEN: must be 16-256 .*a value that is not shown/,
    );
  });

  it('runs one worker by default outside production, one per core in production', () => {
    const production = { NODE_ENV: 'production', MASTER_KEY: key, ALLOW_INSECURE_HTTP: 'true' };
    expect(loadConfig({}).workers).toEqual({ count: 1, source: 'default' });
    expect(loadConfig({ NODE_ENV: 'test', WEB_CONCURRENCY: '' }).workers).toEqual({ count: 1, source: 'default' });
    expect(loadConfig(production).workers).toEqual({ count: availableParallelism(), source: 'default' });
    expect(loadConfig({ ...production, WEB_CONCURRENCY: '1' }).workers).toEqual({ count: 1, source: 'setting' });
  });

  it.each(['0', '129', 'two', '1.5', '-2'])('refuses WEB_CONCURRENCY=%j', (value) => {
    expect(() => loadConfig({ WEB_CONCURRENCY: value })).toThrow(/WEB_CONCURRENCY: must be/);
  });

  it('treats an empty DATABASE_URL as unset (the embedded database)', () => {
    expect(loadConfig({ DATABASE_URL: '' }).database.url).toBeUndefined();
  });

  it('names every bad variable in one error', () => {
    const attempt = () =>
      loadConfig({ PORT: 'eighty', REGISTRATION_OPEN: 'maybe', BODY_LIMIT: 'lots', DATABASE_URL: 'mysql://x' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as ConfigError).message;
      for (const name of ['PORT', 'REGISTRATION_OPEN', 'BODY_LIMIT', 'DATABASE_URL']) expect(message).toContain(name);
      expect(message).toContain('"eighty"');
      expect(message).not.toContain('mysql://x');
    }
  });

  it('refuses a pool minimum above its maximum', () => {
    expect(() => loadConfig({ DB_POOL_MIN: '5', DB_POOL_MAX: '2' })).toThrow(/DB_POOL_MIN/);
  });

  it('refuses production without MASTER_KEY, and a short one anywhere', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/MASTER_KEY: required in production/);
    expect(() => loadConfig({ MASTER_KEY: Buffer.alloc(16).toString('base64') })).toThrow(
      /MASTER_KEY: must be 32 random bytes in base64; this value is not the base64 of exactly 32 bytes/,
    );
    expect(() => loadConfig({ MASTER_KEY: Buffer.alloc(16).toString('base64') })).not.toThrow(/AAAA/);
  });

  const pattern = randomBytes(16);
  const weakKeys: [string, string, RegExp][] = [
    ['32 zero bytes', Buffer.alloc(32).toString('base64'), /too regular/],
    ['one byte repeated', Buffer.alloc(32, 7).toString('base64'), /too regular/],
    ['"password" repeated', Buffer.from('password'.repeat(4)).toString('base64'), /too regular/],
    ['a 16-byte pattern twice', Buffer.concat([pattern, pattern]).toString('base64'), /too regular/],
    [
      'a passphrase, base64-encoded',
      Buffer.from('Pack my box with five dozen jugs').toString('base64'),
      /decodes to text/,
    ],
    ['a passphrase read as base64', 'correcthorsebatterystaplecorrecthorse', /not the base64 of exactly 32 bytes/],
    [
      'a passphrase that happens to be base64 of 32 bytes',
      'correcthorsebatterystaplecorrecthorsebattes=',
      /passphrase/,
    ],
    ['the same as base64url', 'correcthorsebatterystaplecorrecthorsebattes', /passphrase/],
    ['hex, not base64', randomBytes(32).toString('hex'), /not the base64 of exactly 32 bytes/],
    ['48 random bytes (not exactly 32)', randomBytes(48).toString('base64'), /not the base64 of exactly 32 bytes/],
    ['base64 that does not round-trip', `${randomBytes(32).toString('base64').slice(0, 42)}B=`, /not the base64/],
  ];

  it.each(weakKeys)('refuses a weak MASTER_KEY in every mode: %s', (_name, weak, reason) => {
    for (const NODE_ENV of ['development', 'test', 'production']) {
      const attempt = () => loadConfig({ NODE_ENV, ALLOW_INSECURE_HTTP: 'true', MASTER_KEY: weak });
      expect(attempt).toThrow(/^invalid settings: MASTER_KEY: must be 32 random bytes.*openssl rand -base64 32/);
      expect(attempt).toThrow(reason);
      expect(attempt).not.toThrow(weak);
    }
  });

  it('refuses a weak key read from MASTER_KEY_FILE too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-key-'));
    try {
      const path = join(dir, 'master_key');
      writeFileSync(path, `${Buffer.alloc(32).toString('base64')}\n`);
      expect(() => loadConfig({ MASTER_KEY_FILE: path })).toThrow(/MASTER_KEY: .*openssl rand -base64 32/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts 20,000 keys made as `openssl rand -base64 32` makes them (and as base64url)', () => {
    const refused: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const bytes = randomBytes(32);
      for (const text of [bytes.toString('base64'), bytes.toString('base64url')]) {
        if (masterKeyProblem(text)) refused.push(text);
      }
    }
    expect(refused).toEqual([]);
    const bytes = randomBytes(32);
    expect(loadConfig({ MASTER_KEY: bytes.toString('base64') }).auth.masterKey).toEqual(bytes);
    expect(loadConfig({ MASTER_KEY: bytes.toString('base64url') }).auth.masterKey).toEqual(bytes);
  });

  it('needs both ADMIN_EMAIL and ADMIN_PASSWORD, or neither', () => {
    expect(() => loadConfig({ ADMIN_EMAIL: 'a@example.com' })).toThrow(/ADMIN_EMAIL, ADMIN_PASSWORD/);
    expect(() => loadConfig({ ADMIN_EMAIL: 'a@example.com', ADMIN_PASSWORD: 'short' })).toThrow(
      /ADMIN_PASSWORD: must be 12-128/,
    );
  });

  it('refuses a client query timeout that does not exceed the statement timeout (unless that is off)', () => {
    expect(() => loadConfig({ DB_STATEMENT_TIMEOUT_MS: '5000', DB_QUERY_TIMEOUT_MS: '5000' })).toThrow(
      /DB_QUERY_TIMEOUT_MS: must exceed DB_STATEMENT_TIMEOUT_MS/,
    );
    expect(() => loadConfig({ DB_STATEMENT_TIMEOUT_MS: '0', DB_QUERY_TIMEOUT_MS: '500' })).not.toThrow();
  });

  it('bounds lock waits: a third of the statement timeout unless DB_LOCK_TIMEOUT_MS says, and below it', () => {
    expect(loadConfig({}).database.lockTimeoutMs).toBe(5_000);
    expect(loadConfig({ DB_STATEMENT_TIMEOUT_MS: '0' }).database.lockTimeoutMs).toBe(0);
    expect(loadConfig({ DB_LOCK_TIMEOUT_MS: '0' }).database.lockTimeoutMs).toBe(0);
    expect(loadConfig({ DB_LOCK_TIMEOUT_MS: '2000' }).database.lockTimeoutMs).toBe(2_000);
    expect(() => loadConfig({ DB_LOCK_TIMEOUT_MS: '15000' })).toThrow(
      /DB_LOCK_TIMEOUT_MS: must be below DB_STATEMENT_TIMEOUT_MS/,
    );
    expect(loadConfig({ DB_STATEMENT_TIMEOUT_MS: '0', DB_LOCK_TIMEOUT_MS: '2000' }).database.lockTimeoutMs).toBe(2_000);
  });

  it('refuses a first breaker probe delay above its maximum', () => {
    expect(() => loadConfig({ DB_BREAKER_HALF_OPEN_MS: '6000', DB_BREAKER_MAX_HALF_OPEN_MS: '5000' })).toThrow(
      /DB_BREAKER_HALF_OPEN_MS: must not exceed DB_BREAKER_MAX_HALF_OPEN_MS/,
    );
  });

  it('refuses an idle limit longer than the session', () => {
    expect(() => loadConfig({ SESSION_TTL_S: '3600', SESSION_IDLE_TTL_S: '7200' })).toThrow(/SESSION_IDLE_TTL_S/);
  });

  it('refuses plain HTTP in production unless TLS, a proxy, or an explicit opt-out', () => {
    const prod = { NODE_ENV: 'production', MASTER_KEY: key };
    expect(() => loadConfig(prod)).toThrow(/production serves HTTPS/);
    expect(() => loadConfig({ ...prod, TRUST_PROXY: 'loopback' })).not.toThrow();
    expect(() => loadConfig({ ...prod, ALLOW_INSECURE_HTTP: 'true' })).not.toThrow();
    expect(loadConfig({ ...prod, TLS_CERT_FILE: 'c.pem', TLS_KEY_FILE: 'k.pem' }).http.tls).toEqual({
      certFile: 'c.pem',
      keyFile: 'k.pem',
    });
    expect(() => loadConfig({ TLS_CERT_FILE: 'c.pem' })).toThrow(/TLS_CERT_FILE, TLS_KEY_FILE/);
  });

  it.each(['*', 'null', 'https://*.example.com', 'https://app.example.com/path', 'app.example.com'])(
    'refuses the CORS origin %j',
    (origin) => {
      expect(() => loadConfig({ CORS_ORIGINS: origin })).toThrow(/CORS_ORIGINS: must be exact origins/);
    },
  );

  it('refuses out-of-range numbers', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT: must be at most 65535/);
    expect(() => loadConfig({ DB_POOL_MAX: '0' })).toThrow(/DB_POOL_MAX/);
  });
});

describe('secrets from files (<NAME>_FILE)', () => {
  let dir: string;
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every secret from its file, less one trailing newline', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      ALLOW_INSECURE_HTTP: 'true',
      MASTER_KEY_FILE: file('master_key', `${key}\n`),
      DATABASE_URL_FILE: file('database_url', 'postgresql://u:p@db:5432/app\r\n'),
      REDIS_URL_FILE: file('redis_url', 'redis://:p@cache:6379'),
      ADMIN_EMAIL: 'root@example.com',
      ADMIN_PASSWORD_FILE: file('admin_password', 'ends with spaces and a blank line  \n\n'),
      METRICS_TOKEN_FILE: file('metrics_token', 'a-metrics-scrape-token\n'),
    });
    expect(config.auth.masterKey).toEqual(Buffer.from(key, 'base64'));
    expect(config.database.url).toBe('postgresql://u:p@db:5432/app');
    expect(config.redis.url).toBe('redis://:p@cache:6379');
    expect(config.admin.password).toBe('ends with spaces and a blank line  \n');
    expect(config.metrics.token).toBe('a-metrics-scrape-token');
  });

  it.each(SECRET_SETTINGS)('refuses %s together with its _FILE', (name) => {
    const attempt = () => loadConfig({ [name]: 'a secret value', [`${name}_FILE`]: file('secret', 'another') });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(`${name}, ${name}_FILE: set one or the other, not both`);
    expect(attempt).not.toThrow(/a secret value|another/);
  });

  it('names the variable and the path of a file it cannot read, never a content', () => {
    const missing = join(dir, 'missing');
    expect(() => loadConfig({ MASTER_KEY_FILE: missing })).toThrow(`MASTER_KEY_FILE: cannot read ${missing} (ENOENT)`);
    expect(() => loadConfig({ DATABASE_URL_FILE: dir })).toThrow(`DATABASE_URL_FILE: cannot read ${dir} (EISDIR)`);
    if (process.getuid?.() !== 0) {
      // root reads a file whatever its mode
      const locked = file('locked', 'postgresql://u:p@db/app');
      chmodSync(locked, 0);
      expect(() => loadConfig({ DATABASE_URL_FILE: locked })).toThrow(/DATABASE_URL_FILE: cannot read .* \(EACCES\)/);
    }
  });

  it('names every bad file in one error', () => {
    const attempt = () =>
      loadConfig({ METRICS_TOKEN_FILE: join(dir, 'a'), REDIS_URL: 'redis://x', REDIS_URL_FILE: join(dir, 'b') });
    expect(attempt).toThrow(/METRICS_TOKEN_FILE: cannot read[\s\S]*REDIS_URL, REDIS_URL_FILE/);
  });

  it('hides a bad value read from a file, as from the environment', () => {
    expect(() => loadConfig({ METRICS_TOKEN_FILE: file('token', 'short\n') })).toThrow(
      /METRICS_TOKEN: must be 16-256 .*a value that is not shown/,
    );
  });

  it('treats an empty NAME or NAME_FILE as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', DATABASE_URL_FILE: file('url', 'postgresql://db/app') }).database.url).toBe(
      'postgresql://db/app',
    );
    expect(loadConfig({ DATABASE_URL_FILE: '' }).database.url).toBeUndefined();
  });

  it('leaves no _FILE behind, so that reading again changes nothing', () => {
    const env = readSecretFiles({ MASTER_KEY_FILE: file('key', key), PORT: '9000' });
    expect(env).toEqual({ MASTER_KEY: key, PORT: '9000' });
    expect(readSecretFiles(env)).toEqual(env);
    expect(loadConfig(env).auth.masterKey).toEqual(Buffer.from(key, 'base64'));
  });
});

describe('settingWarnings', () => {
  it('warns against TRUST_PROXY=true, in one line that says what to set instead', () => {
    const warnings = settingWarnings(loadConfig({ TRUST_PROXY: 'true' }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^TRUST_PROXY=true: .*X-Forwarded-For.*hop count.*addresses/);
  });

  it.each(['false', '1', 'loopback', '10.0.0.0/8, 192.168.1.5'])('has nothing to say of TRUST_PROXY=%s', (value) => {
    expect(settingWarnings(loadConfig({ TRUST_PROXY: value }))).toEqual([]);
  });
});

describe('connection caps', () => {
  it('caps connections per process, and per address unless behind a proxy', () => {
    expect(loadConfig({}).http).toMatchObject({ maxConnections: 4096, maxConnectionsPerIp: 100 });
    expect(loadConfig({ TRUST_PROXY: '1' }).http.maxConnectionsPerIp).toBeUndefined();
    expect(loadConfig({ TRUST_PROXY: '1', MAX_CONNECTIONS_PER_IP: '500' }).http.maxConnectionsPerIp).toBe(500);
    expect(loadConfig({ MAX_CONNECTIONS: '0', MAX_CONNECTIONS_PER_IP: '0' }).http).toMatchObject({
      maxConnections: undefined,
      maxConnectionsPerIp: undefined,
    });
  });

  it('refuses a per-address cap above the server-wide one', () => {
    expect(() => loadConfig({ MAX_CONNECTIONS: '50', MAX_CONNECTIONS_PER_IP: '60' })).toThrow(
      'invalid settings: MAX_CONNECTIONS_PER_IP: must not exceed MAX_CONNECTIONS',
    );
    expect(() => loadConfig({ MAX_CONNECTIONS: '50' })).toThrow(/MAX_CONNECTIONS_PER_IP: must not exceed/);
    expect(() => loadConfig({ MAX_CONNECTIONS: '-1' })).toThrow(/MAX_CONNECTIONS: must be at least 0/);
  });
});
