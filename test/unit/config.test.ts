import { ConfigError, loadConfig } from '../../src/core/config';

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
      HOST: '0.0.0.0',
      PORT: '9000',
      LOG_LEVEL: 'warn',
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
      DB_CONNECT_RETRIES: '3',
      DB_CONNECT_BACKOFF_MS: '100',
    });
    expect(config).toEqual({
      env: 'production',
      host: '0.0.0.0',
      port: 9000,
      logLevel: 'warn',
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
        connectRetries: 3,
        connectBackoffMs: 100,
      },
    });
  });

  it('validates responses in production only when asked', () => {
    expect(loadConfig({ NODE_ENV: 'production', VALIDATE_RESPONSES: 'true' }).validateResponses).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test', VALIDATE_RESPONSES: 'false' }).validateResponses).toBe(false);
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

  it('refuses out-of-range numbers', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT: must be at most 65535/);
    expect(() => loadConfig({ DB_POOL_MAX: '0' })).toThrow(/DB_POOL_MAX/);
  });
});
