import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { config as loadDotenv } from 'dotenv';
import { bootstrap } from './bootstrap';
import { UNIT_OF_WORK } from './container.tokens';
import { loadConfig, readSecretFiles, type Config } from './core/config';
import { AppError } from './core/errors';
import { createLogger, type Logger } from './core/logging';
import { StartupError } from './core/startup';
import type { UnitOfWork } from './core/unit-of-work';
import { claimDataDir } from './db/data-dir';
import { openDatabase } from './db/open';
import { SigningKeyService } from './services/signing-key.service';
import { UserService } from './services/user.service';
import { safeMessage, safeStack } from './core/error-description';

const USAGE = `usage: npm run cli -- <command> [options]

commands:
  migrate         apply pending migrations
  create-admin    create an admin user unless the username is taken
                  --username NAME (default: ADMIN_USERNAME or admin)
                  --email EMAIL   (default: ADMIN_EMAIL)
                  --password-stdin  read the password from standard input
                                    (else ADMIN_PASSWORD or ADMIN_PASSWORD_FILE)
  rotate-key      make a new token-signing key now; the old one keeps
                  verifying until its tokens have expired

The database is DATABASE_URL, or the embedded one in DATA_DIR, which one
process uses at a time: stop the service before running a command on it.`;

/** `env`: the environment with the secrets read from their `*_FILE`s. */
type Command = (config: Config, logger: Logger, args: string[], env: NodeJS.ProcessEnv) => Promise<number>;

const commands: Record<string, Command> = {
  async migrate(config, logger) {
    const lock = claimDataDir(config.database, logger, 'command line (migrate)');
    const { database, close } = await openDatabase({ ...config.database, migrateOnStart: false }, logger);
    try {
      const applied = await database.migrate(logger);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply: the schema is up to date');
      return 0;
    } finally {
      await close();
      lock?.release();
    }
  },

  async 'create-admin'(config, logger, args, env) {
    const { values } = parseArgs({
      args,
      options: { username: { type: 'string' }, email: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    });
    const password = values['password-stdin'] ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : env.ADMIN_PASSWORD;
    const admin = {
      username: values.username ?? config.admin.username,
      email: values.email ?? env.ADMIN_EMAIL,
    };
    // The same rules as the API's sign-up, checked again by loadConfig.
    const checked = loadConfig({ ADMIN_USERNAME: admin.username, ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: password });
    const { username, email } = checked.admin;
    if (!email || !checked.admin.password) {
      console.error(
        'create-admin needs an email (--email or ADMIN_EMAIL) and a password (--password-stdin or ADMIN_PASSWORD)',
      );
      return 2;
    }
    const { container, close } = await bootstrap(config, logger, { redis: false, role: 'command line (create-admin)' });
    try {
      const uow = container.resolve<UnitOfWork>(UNIT_OF_WORK);
      const created = await uow.run(() =>
        container
          .resolve(UserService)
          .ensureAdmin({ username, email, password: checked.admin.password!, fullName: null }),
      );
      console.log(created ? `created admin ${created.username} (${created.id})` : `a user named ${username} exists`);
      return created ? 0 : 1;
    } finally {
      await close();
    }
  },

  async 'rotate-key'(config, logger) {
    const { container, close } = await bootstrap(config, logger, { redis: false, role: 'command line (rotate-key)' });
    try {
      const kid = await container.resolve(SigningKeyService).rotate();
      console.log(`new signing key: ${kid}`);
      return 0;
    } finally {
      await close();
    }
  },
};

async function main([name, ...args]: string[]): Promise<number> {
  const command = name === undefined ? undefined : commands[name];
  if (!command) {
    console.error(USAGE);
    return name === undefined || name === 'help' ? 0 : 2;
  }
  process.umask(0o077);
  loadDotenv({ quiet: true });
  // ADMIN_EMAIL and ADMIN_PASSWORD are create-admin's defaults here, not the server's first admin.
  const env = readSecretFiles(process.env);
  const config = loadConfig({ ...env, ADMIN_EMAIL: undefined, ADMIN_PASSWORD: undefined });
  const logger = createLogger(config.logLevel === 'silent' ? 'silent' : 'warn');
  return command(config, logger, args, env);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // What the operator can act on, in one line; anything else with its stack.
    const known = error instanceof StartupError || error instanceof AppError;
    // Never a database error's own text: it quotes the statement with its values (a password hash, say).
    console.error(known ? `${error.message}` : (safeStack(error) ?? safeMessage(error)));
    process.exit(1);
  },
);
