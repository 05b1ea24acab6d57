import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig } from './core/config';
import { createLogger } from './core/logging';
import { openDatabase } from './db/open';

const USAGE = `usage: npm run cli -- <command>

commands:
  migrate    apply pending migrations to the configured database (DATABASE_URL, or the embedded one in DATA_DIR)`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (command !== 'migrate') {
    console.error(USAGE);
    return command === undefined || command === 'help' ? 0 : 2;
  }
  loadDotenv({ quiet: true });
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'silent' ? 'silent' : 'info');
  const { database, close } = await openDatabase({ ...config.database, migrateOnStart: false }, logger);
  try {
    const applied = await database.migrate();
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply: the schema is up to date');
    return 0;
  } finally {
    await close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);
