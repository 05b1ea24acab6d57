import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126140805 } from './Migration20261126140805';
import { Migration20261126142524 } from './Migration20261126142524';
import { Migration20261129150000 } from './Migration20261129150000';
import { Migration20261129180120 } from './Migration20261129180120';

/** Every migration, oldest first. Written with each new migration (see ListedMigrationGenerator). */
export const migrations: MigrationObject[] = [
  { name: 'Migration20261126140805', class: Migration20261126140805 },
  { name: 'Migration20261126142524', class: Migration20261126142524 },
  { name: 'Migration20261129150000', class: Migration20261129150000 },
  { name: 'Migration20261129180120', class: Migration20261129180120 },
];
