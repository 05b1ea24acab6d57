import 'reflect-metadata';
import { loadConfig } from '../../src/core/config';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded';
import { createOrm } from '../../src/db/session';
import { EMPTY_URL, ISOLATED_URL, MIGRATED_URL } from './test-database';

export interface TestDatabases {
  embedded: EmbeddedDatabase[];
  /** PostgreSQL: the server URL and the databases to drop afterwards. */
  server?: { url: string; names: string[] };
}

declare global {
  var gatehouseTestDatabases: TestDatabases | undefined;
}

const settings = loadConfig({ DB_POOL_MAX: '1', DB_CONNECT_RETRIES: '0' }).database;

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function createOnServer(serverUrl: string): Promise<TestDatabases> {
  const run = `${Date.now().toString(36)}_${process.pid}`;
  const names = [`gatehouse_test_${run}`, `gatehouse_test_${run}_empty`, `gatehouse_test_${run}_isolated`];
  const admin = await createOrm(serverUrl, settings);
  try {
    for (const name of names) await admin.em.getConnection().execute(`create database "${name}"`);
  } finally {
    await admin.close(true);
  }
  process.env[MIGRATED_URL] = withDatabase(serverUrl, names[0]!);
  process.env[EMPTY_URL] = withDatabase(serverUrl, names[1]!);
  process.env[ISOLATED_URL] = withDatabase(serverUrl, names[2]!);
  return { embedded: [], server: { url: serverUrl, names } };
}

async function createEmbedded(): Promise<TestDatabases> {
  // Two jest workers, each with a pool of one, plus room for a test's own connection.
  const migrated = await startEmbeddedDatabase({ maxConnections: 4 });
  const empty = await startEmbeddedDatabase({ maxConnections: 4 });
  const isolated = await startEmbeddedDatabase({ maxConnections: 4 });
  process.env[MIGRATED_URL] = migrated.url;
  process.env[EMPTY_URL] = empty.url;
  process.env[ISOLATED_URL] = isolated.url;
  return { embedded: [migrated, empty, isolated] };
}

export default async function globalSetup(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  const databases = serverUrl ? await createOnServer(serverUrl) : await createEmbedded();
  globalThis.gatehouseTestDatabases = databases;
  for (const url of [process.env[MIGRATED_URL]!, process.env[ISOLATED_URL]!]) {
    const orm = await createOrm(url, settings);
    try {
      await orm.getMigrator().up();
    } finally {
      await orm.close(true);
    }
  }
  console.log(
    `\ntest databases: ${serverUrl ? `PostgreSQL (${databases.server?.names.join(', ')})` : 'embedded PGlite'}`,
  );
}
