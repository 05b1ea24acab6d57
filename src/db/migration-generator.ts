import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Utils } from '@mikro-orm/core';
import { TSMigrationGenerator } from '@mikro-orm/migrations';

/**
 * MikroORM's TypeScript migration writer, which also lists the new migration in the folder's
 * index.ts: the application runs the migrations listed there (migrationsList, so that a compiled
 * build needs no folder to scan), and a migration left out of it would never run. Whoever writes
 * a migration, `make migration` or `npx mikro-orm migration:create`, goes through here.
 */
export class ListedMigrationGenerator extends TSMigrationGenerator {
  override async generate(
    diff: { up: string[]; down: string[] },
    path?: string,
    name?: string,
  ): Promise<[string, string]> {
    const written = await super.generate(diff, path, name);
    const defaultPath = this.options.pathTs ?? this.options.path ?? '';
    writeMigrationIndex(Utils.normalizePath(this.driver.config.get('baseDir'), path ?? defaultPath));
    return written;
  }
}

/** index.ts: every migration file of `dir`, oldest first (their names begin with a timestamp). */
export function writeMigrationIndex(dir: string): void {
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
      '/** Every migration, oldest first. Written with each new migration (see ListedMigrationGenerator). */',
      'export const migrations: MigrationObject[] = [',
      ...names.map((n) => `  { name: '${n}', class: ${n} },`),
      '];',
      '',
    ].join('\n'),
  );
}
