/** `make check`: fails when the entities describe a schema the migrations do not build. */
import { withMigratedScratchDb } from './lib/scratch-db';

void withMigratedScratchDb(async (orm) => {
  const sql = await orm.schema.getUpdateSchemaSQL({ wrap: false });
  if (sql.trim()) {
    console.error('A migration is missing. The entities need:\n' + sql + '\nRun `make migration` and review it.');
    process.exitCode = 1;
  } else {
    console.log('migrations: none missing');
  }
});
