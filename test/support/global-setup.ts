import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded';
import { createOrm } from '../../src/db/session';
import { envName, MIGRATED, TEST_DATABASES } from './test-database';

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
  const names: string[] = [];
  const admin = await createOrm(serverUrl, settings);
  try {
    for (const db of TEST_DATABASES) {
      const name = `gatehouse_test_${run}_${db}`;
      await admin.em.getConnection().execute(`create database "${name}"`);
      names.push(name);
      process.env[envName(db)] = withDatabase(serverUrl, name);
    }
  } finally {
    await admin.close(true);
  }
  return { embedded: [], server: { url: serverUrl, names } };
}

async function createEmbedded(): Promise<TestDatabases> {
  const embedded: EmbeddedDatabase[] = [];
  for (const db of TEST_DATABASES) {
    // Two jest workers, each with a pool of one, plus room for a test's own connection.
    const started = await startEmbeddedDatabase({ maxConnections: 4 });
    embedded.push(started);
    process.env[envName(db)] = started.url;
  }
  return { embedded };
}

export default async function globalSetup(): Promise<void> {
  // Workers record the (operationId, status) pairs they exercise here; the coverage reporter reads them.
  process.env.GATEHOUSE_CONTRACT_COVERAGE_DIR = mkdtempSync(join(tmpdir(), 'gatehouse-coverage-'));
  const serverUrl = process.env.DATABASE_URL;
  const databases = serverUrl ? await createOnServer(serverUrl) : await createEmbedded();
  globalThis.gatehouseTestDatabases = databases;
  for (const db of MIGRATED) {
    const orm = await createOrm(process.env[envName(db)]!, settings);
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
