/**
 * A failed statement reaches the log as its SQLSTATE, table and constraint: never as the
 * statement, whose text (as MikroORM and knex report it) has every value inlined: login names,
 * emails, password hashes.
 */
import type { Knex } from 'knex';
import request from 'supertest';
import { loadConfig } from '../../src/core/config';
import { createLogger } from '../../src/core/logging';
import { CREDENTIAL_REPOSITORY, DATABASE_HEALTH } from '../../src/container.tokens';
import { createOrm, type Database, type Orm } from '../../src/db/session';
import type { CredentialRepository } from '../../src/repositories/user.repository';
import { userCreate } from '../factories/user.factory';
import { MemoryTransport, startTestApp, type TestApp } from '../support/app';
import { newUser, type LoggedIn } from '../support/auth';
import { expectProblem } from '../support/problem';
import { testDatabaseUrl } from '../support/test-database';

/** What a log line must never hold: a statement, or any value a request put in one. */
function expectNoStatementOrValue(t: TestApp, values: string[]): void {
  const log = t.logs.lines.join('\n');
  expect(log).not.toMatch(/\b(select|insert into|update|delete from)\s+["\w]/i);
  expect(log).not.toContain('$argon2');
  for (const value of values) expect(log).not.toContain(value);
}

describe('a statement that fails with a value in it', () => {
  let t: TestApp;
  const login = `nobody_${Date.now().toString(36)}`;
  beforeAll(async () => {
    t = await startTestApp({
      override: (container) => {
        // The login lookup, made to fail with the typed name in its statement (a bad uuid: SQLSTATE 22P02).
        const real = container.resolve<CredentialRepository>(CREDENTIAL_REPOSITORY);
        const { orm } = container.resolve<Database>(DATABASE_HEALTH);
        const failing: CredentialRepository = {
          findByLogin: async (name) => {
            await orm.em.getConnection().execute('select ?::uuid as id from users', [name]);
            return real.findByLogin(name);
          },
          getPasswordHash: (userId) => real.getPasswordHash(userId),
          setPasswordHash: (userId, hash) => real.setPasswordHash(userId, hash),
        };
        container.register(CREDENTIAL_REPOSITORY, { useValue: failing });
      },
    });
  });
  afterAll(() => t.close());

  it('answers 500 and logs its SQLSTATE and a message without the statement or the value', async () => {
    const res = await request(t.app).post('/v1/auth/token').send({ username: login, password: 'a password' });
    expectProblem(res, 500);
    const entry = t.logs.entries.find((e) => e.message === 'request failed' && e.request_id === res.body.request_id);
    expect(entry).toMatchObject({
      level: 'error',
      error: { code: '22P02', message: expect.stringContaining('invalid_text_representation') },
    });
    expect((entry!.error as { stack: string }).stack).toMatch(/\n\s+at /);
    expectNoStatementOrValue(t, [login]);
  });
});

describe('MIKRO_ORM_DEBUG, which MikroORM reads over its options', () => {
  it('cannot put a statement or its values in the log or on the console', async () => {
    const logs = new MemoryTransport();
    const printed = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    process.env.MIKRO_ORM_DEBUG = 'true';
    let lines: string[] = [];
    try {
      // Loaded afresh, so that MikroORM's default writer is the spied console.log (it keeps the one it found).
      let fresh: typeof createOrm = createOrm;
      jest.isolateModules(() => {
        fresh = (jest.requireActual('../../src/db/session') as { createOrm: typeof createOrm }).createOrm;
      });
      const settings = loadConfig({ DB_CONNECT_RETRIES: '0' }).database;
      const orm = await fresh(testDatabaseUrl(), settings, createLogger('debug', [logs]));
      try {
        await orm.em.getConnection().execute('select ? as v', ['a-secret-value']);
        await expect(orm.em.getConnection().execute('select ?::uuid', ['another-secret'])).rejects.toThrow();
      } finally {
        await orm.close(true);
      }
    } finally {
      delete process.env.MIKRO_ORM_DEBUG;
      lines = printed.mock.calls.map((args) => args.map(String).join(' '));
      printed.mockRestore();
    }
    expect([...lines, ...logs.lines].join('\n')).not.toMatch(/secret|select/);
  });
});

const postgres = process.env.DATABASE_URL;

const onPostgres = postgres ? describe.each : describe.skip.each;

onPostgres([
  ['the statement timeout (no lock timeout)', '0', '57014'],
  ['the lock timeout', '100', '55P03'],
])('with the users table locked by another connection (PostgreSQL), %s', (_name, lockTimeoutMs, sqlstate) => {
  let t: TestApp;
  let victim: LoggedIn;
  let victimHash: string;
  let locker: Orm;
  let lock: Knex.Transaction | undefined;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        DB_POOL_MAX: '4',
        DB_STATEMENT_TIMEOUT_MS: '300',
        DB_LOCK_TIMEOUT_MS: lockTimeoutMs,
        DB_QUERY_TIMEOUT_MS: '2000',
        // This file is about how each such failure is answered and logged, not about the breaker.
        DB_BREAKER_THRESHOLD: '1000',
      },
    });
    victim = await newUser(t.app);
    locker = await createOrm(testDatabaseUrl(), loadConfig({ DB_CONNECT_RETRIES: '0' }).database);
    const [row] = await locker.em
      .getConnection()
      .execute<{ password_hash: string }[]>('select password_hash from users where username = ?', [
        victim.input.username,
      ]);
    victimHash = row!.password_hash;
  });
  afterAll(async () => {
    await lock?.rollback();
    await locker?.close(true);
    await t?.close();
  });

  it('a login, a sign-up and an authenticated read answer 503 with Retry-After; the log has the SQLSTATE, no SQL, no value', async () => {
    lock = await locker.em.getKnex().transaction();
    await lock.raw('lock table users in access exclusive mode');
    const newcomer = userCreate();
    const calls = [
      request(t.app).post('/v1/auth/token').send({ username: victim.input.username, password: victim.input.password }),
      request(t.app).post('/v1/users').send(newcomer),
      request(t.app).get('/v1/users/me').set('authorization', victim.bearer),
    ];
    for (const call of calls) {
      const started = Date.now();
      const res = await call;
      expectProblem(res, 503);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Date.now() - started).toBeLessThan(1_500);
    }
    await lock.rollback();
    lock = undefined;

    const failed = t.logs.entries.filter((e) => String(e.message).startsWith('request failed'));
    expect(failed).toHaveLength(3);
    for (const entry of failed) {
      expect(entry).toMatchObject({ level: 'warn', message: 'request failed: unavailable', code: sqlstate });
    }
    expectNoStatementOrValue(t, [
      victim.input.username,
      victim.input.password,
      victimHash,
      newcomer.username,
      newcomer.email,
      newcomer.password,
    ]);
    // and the service answers again once the lock is gone
    expect((await request(t.app).get('/v1/users/me').set('authorization', victim.bearer)).status).toBe(200);
  });
});
