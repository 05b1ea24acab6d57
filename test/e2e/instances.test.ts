/**
 * Several instances as an orchestrator starts them: at once, against one
 * PostgreSQL database that is still empty. Needs DATABASE_URL (a server).
 */
import { createOrm } from '../../src/db/session';
import { loadConfig } from '../../src/core/config';
import { migrations } from '../../src/db/migrations';
import { freePort, start, waitReady, type Running } from '../support/process';

const serverUrl = process.env.DATABASE_URL;
const onPostgres = serverUrl ? describe : describe.skip;
const settings = loadConfig({ DB_POOL_MAX: '1', DB_CONNECT_RETRIES: '0' }).database;

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

onPostgres('five instances started at once on an empty database', () => {
  const name = `gatehouse_test_${Date.now().toString(36)}_${process.pid}_instances`;
  let admin: Awaited<ReturnType<typeof createOrm>>;
  beforeAll(async () => {
    admin = await createOrm(serverUrl!, settings);
    await admin.em.getConnection().execute(`create database "${name}"`);
  });
  afterAll(async () => {
    await admin.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
    await admin.close(true);
  });

  it('all become ready, and the schema is migrated exactly once', async () => {
    const url = withDatabase(serverUrl!, name);
    const ports = await Promise.all(Array.from({ length: 5 }, () => freePort()));
    const instances: Running[] = ports.map((port) => start({ PORT: String(port), DATABASE_URL: url }));
    try {
      await Promise.all(ports.map((port, i) => waitReady(`http://127.0.0.1:${port}`, instances[i]!, 90_000)));
      const applied = instances.map((i) => {
        const line = i
          .output()
          .split('\n')
          .find((l) => l.includes('"migrations up to date"'));
        return (JSON.parse(line!) as { applied: string[] }).applied;
      });
      // One instance applied every migration; the others, having waited for it, found none to apply.
      expect(applied.filter((a) => a.length > 0)).toEqual([migrations.map((m) => m.name)]);
      expect(applied.filter((a) => a.length === 0)).toHaveLength(4);

      const orm = await createOrm(url, settings);
      try {
        const rows = await orm.em
          .getConnection()
          .execute<{ name: string; times: string }[]>(
            'select name, count(*) as times from mikro_orm_migrations group by name order by name',
          );
        expect(rows.map((r) => [r.name, Number(r.times)])).toEqual(migrations.map((m) => [m.name, 1]));
      } finally {
        await orm.close(true);
      }
    } finally {
      for (const i of instances) i.child.kill('SIGTERM');
      expect(await Promise.all(instances.map((i) => i.exited))).toEqual([0, 0, 0, 0, 0]);
    }
  }, 150_000);
});
