import { startTestApp, type TestApp } from '../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { DB_STATEMENT_TIMEOUT_MS: '1234' } });
});
afterAll(() => t.close());

describe('database settings', () => {
  it('applies DB_STATEMENT_TIMEOUT_MS to every pooled connection', async () => {
    const [row] = await t.database.orm.em.getConnection().execute('show statement_timeout');
    expect(row).toEqual({ statement_timeout: '1234ms' });
  });

  // PGlite accepts the setting but cannot interrupt a running statement; PostgreSQL enforces it.
  (process.env.DATABASE_URL ? it : it.skip)('cancels a statement that runs longer (PostgreSQL)', async () => {
    await expect(t.database.orm.em.getConnection().execute('select pg_sleep(3)')).rejects.toThrow(/statement timeout/);
  });

  it('sizes the pool from the settings', () => {
    const pool = t.database.orm.config.get('pool');
    expect(pool).toMatchObject({ min: 0, max: 1, acquireTimeoutMillis: 5000, idleTimeoutMillis: 30000 });
  });
});
