/**
 * The run's own PostgreSQL database, created on DATABASE_URL's server and
 * dropped at the end, so figures never depend on what an earlier run left.
 */
import { createRequire } from 'node:module';

/** The little of `pg` used here: it ships no types, and @types/pg is not worth a dependency for two calls. */
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<{ rows: Record<string, string>[] }>;
  end(): Promise<void>;
}
const { Client } = createRequire(__filename)('pg') as {
  Client: new (config: { connectionString: string }) => PgClient;
};

export interface ScratchDatabase {
  url: string;
  /** e.g. `PostgreSQL 15.20`. */
  version: string;
  drop(): Promise<void>;
}

export async function createScratchDatabase(serverUrl: string): Promise<ScratchDatabase> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  const name = `gatehouse_bench_${process.pid}`;
  const { rows } = await admin.query('show server_version');
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.query(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    version: `PostgreSQL ${rows[0]?.server_version?.split(' ')[0] ?? '?'}`,
    drop: async () => {
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}
