/**
 * `make migration`: writes a migration for the difference between the
 * entities and the schema the existing migrations build, and lists it in
 * src/db/migrations/index.ts. Review it before committing.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withMigratedScratchDb } from './lib/scratch-db';

const dir = join(__dirname, '..', 'src', 'db', 'migrations');

void withMigratedScratchDb(async (orm) => {
  const result = await orm.getMigrator().createMigration(dir, false, false);
  if (!result.fileName) {
    console.log('No schema changes: no migration written.');
    return;
  }
  const names = readdirSync(dir)
    .filter((f) => /^Migration\d+.*\.ts$/.test(f))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
  writeFileSync(
    join(dir, 'index.ts'),
    [
      "import type { MigrationObject } from '@mikro-orm/core';",
      ...names.map((n) => `import { ${n} } from './${n}';`),
      '',
      '/** Every migration, oldest first. `make migration` appends to this list. */',
      'export const migrations: MigrationObject[] = [',
      ...names.map((n) => `  { name: '${n}', class: ${n} },`),
      '];',
      '',
    ].join('\n'),
  );
  console.log(`Wrote src/db/migrations/${result.fileName}:\n${result.code}`);
});
