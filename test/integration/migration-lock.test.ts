/**
 * Instances that start together migrate one after the other (an advisory
 * lock): PostgreSQL only; the embedded database has one process (DATA_DIR's lock).
 */
import { loadConfig } from '../../src/core/config';
import { createLogger } from '../../src/core/logging';
import { migrations } from '../../src/db/migrations';
import { createOrm, Database } from '../../src/db/session';
import { MemoryTransport } from '../support/app';

const serverUrl = process.env.DATABASE_URL;
const onPostgres = serverUrl ? describe : describe.skip;
// Pools of one: the lock is held on a connection of its own, whatever the pool's size.
const settings = loadConfig({ DB_POOL_MAX: '1', DB_CONNECT_RETRIES: '0' }).database;

onPostgres('migrations under an advisory lock', () => {
  const name = `gatehouse_test_${Date.now().toString(36)}_${process.pid}_migrate`;
  let admin: Database;
  beforeAll(async () => {
    admin = new Database(await createOrm(serverUrl!, settings));
    await admin.orm.em.getConnection().execute(`create database "${name}"`);
  });
  afterAll(async () => {
    await admin.orm.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
    await admin.close();
  });

  it('six instances migrating an empty database at once: one applies everything, the rest wait and find nothing', async () => {
    const u = new URL(serverUrl!);
    u.pathname = `/${name}`;
    const logs = new MemoryTransport();
    const logger = createLogger('info', [logs]);
    const databases = await Promise.all(
      Array.from({ length: 6 }, async () => new Database(await createOrm(u.toString(), settings, logger))),
    );
    try {
      const applied = await Promise.all(databases.map((d) => d.migrate(logger)));
      expect(applied.filter((a) => a.length > 0)).toEqual([migrations.map((m) => m.name)]);
      expect(logs.lines.join('\n')).toContain('waiting for another instance to finish migrating');
      const rows = await databases[0]!.orm.em
        .getConnection()
        .execute<{ name: string }[]>('select name from mikro_orm_migrations order by name');
      expect(rows.map((r) => r.name)).toEqual(migrations.map((m) => m.name));
      // Nothing holds the lock afterwards.
      const [held] = await databases[0]!.orm.em
        .getConnection()
        .execute<{ n: string }[]>(`select count(*) as n from pg_locks where locktype = 'advisory'`);
      expect(Number(held!.n)).toBe(0);
    } finally {
      await Promise.all(databases.map((d) => d.close()));
    }
  });
});
