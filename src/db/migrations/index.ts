import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126140805 } from './Migration20261126140805';
import { Migration20261126142524 } from './Migration20261126142524';

/** Every migration, oldest first. `make migration` appends to this list. */
export const migrations: MigrationObject[] = [
  { name: 'Migration20261126140805', class: Migration20261126140805 },
  { name: 'Migration20261126142524', class: Migration20261126142524 },
];
