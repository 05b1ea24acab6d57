/**
 * `make migration`: writes a migration for the difference between the
 * entities and the schema the existing migrations build, whatever state the
 * configured database is in, and lists it in src/db/migrations/index.ts (see
 * ListedMigrationGenerator). Review it before committing.
 */
import { join } from 'node:path';
import { withMigratedScratchDb } from './lib/scratch-db';

const dir = join(__dirname, '..', 'src', 'db', 'migrations');

void withMigratedScratchDb(async (orm) => {
  const result = await orm.getMigrator().createMigration(dir);
  if (!result.fileName) {
    console.log('No schema changes: no migration written.');
    return;
  }
  console.log(`Wrote src/db/migrations/${result.fileName}:\n${result.code}`);
});
