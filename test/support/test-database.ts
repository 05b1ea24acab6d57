/**
 * Each test run gets databases of its own: on the PostgreSQL server named by
 * DATABASE_URL when it is set, else in in-memory embedded databases. Workers
 * find them in GATEHOUSE_TEST_DB_<NAME>.
 *
 * - main: migrated, shared by every test file (tests make their own unique rows);
 * - empty: never migrated (readiness with pending migrations);
 * - admins, keys, fuzz: migrated, each used by one test file only, for rules over a
 *   whole table (the last admin; retiring signing keys).
 */
export const TEST_DATABASES = ['main', 'empty', 'admins', 'keys', 'fuzz'] as const;
export type TestDatabase = (typeof TEST_DATABASES)[number];
export const MIGRATED: readonly TestDatabase[] = ['main', 'admins', 'keys', 'fuzz'];

export const envName = (name: TestDatabase) => `GATEHOUSE_TEST_DB_${name.toUpperCase()}`;

export function testDatabaseUrl(name: TestDatabase = 'main'): string {
  const url = process.env[envName(name)];
  if (!url)
    throw new Error(`${envName(name)} is not set: run the tests through jest (its globalSetup creates the databases)`);
  return url;
}
