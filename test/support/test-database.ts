/**
 * Each test run gets databases of its own: on the PostgreSQL server named by
 * DATABASE_URL when it is set, else in an in-memory embedded database.
 * Workers find them in these variables.
 */
export const MIGRATED_URL = 'GATEHOUSE_TEST_DATABASE_URL';
export const EMPTY_URL = 'GATEHOUSE_TEST_EMPTY_DATABASE_URL';
/** Migrated, and used by one test file only: for rules about every row of a table (e.g. the last admin). */
export const ISOLATED_URL = 'GATEHOUSE_TEST_ISOLATED_DATABASE_URL';

type Which = typeof MIGRATED_URL | typeof EMPTY_URL | typeof ISOLATED_URL;

export function testDatabaseUrl(which: Which = MIGRATED_URL): string {
  const url = process.env[which];
  if (!url) throw new Error(`${which} is not set: run the tests through jest (its globalSetup creates the databases)`);
  return url;
}
