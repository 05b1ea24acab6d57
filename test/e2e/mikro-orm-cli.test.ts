/**
 * The standard MikroORM command line (`npx mikro-orm …`) on mikro-orm.config.ts, as a developer
 * runs it from a clean clone: against the embedded database in a fresh DATA_DIR, and against a
 * fresh PostgreSQL database when DATABASE_URL is set.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/core/config';
import { lockDataDir } from '../../src/db/data-dir';
import { migrations } from '../../src/db/migrations';
import { createOrm } from '../../src/db/session';

const root = resolve(__dirname, '../..');
const names = migrations.map((m) => m.name);

/** `npx mikro-orm <args>` in the project's folder; only PATH, HOME and TMPDIR come from this process. */
function mikroOrm(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; output: string }> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k === 'PATH' || k === 'HOME' || k === 'TMPDIR'),
  );
  const child = spawn('npx', ['mikro-orm', ...args], {
    cwd: root,
    env: { ...base, NODE_ENV: 'development', LOG_LEVEL: 'warn', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((ok) => child.once('exit', (code) => ok({ code, output })));
}

/** Migrations on a database that none has touched yet: pending, up, none pending, no schema difference. */
async function migrates(env: Record<string, string>): Promise<void> {
  const pending = await mikroOrm(env, 'migration:pending');
  expect(pending).toMatchObject({ code: 0 });
  for (const name of names) expect(pending.output).toContain(`│ ${name} `);

  expect(await mikroOrm(env, 'migration:up')).toEqual({
    code: 0,
    output: 'Successfully migrated up to the latest version\n',
  });
  expect(await mikroOrm(env, 'migration:pending')).toEqual({ code: 0, output: 'No pending migrations\n' });
  expect(await mikroOrm(env, 'schema:update', '--dump')).toEqual({ code: 0, output: 'Schema is up-to-date\n' });
}

/** Every command on a database that no migration has touched yet. */
async function runsEveryCommand(env: Record<string, string>, scratch: string): Promise<void> {
  await migrates(env);

  // Nothing to write on an up-to-date schema; a blank migration is written and listed in index.ts.
  expect(await mikroOrm(env, 'migration:create')).toEqual({
    code: 0,
    output: 'No changes required, schema is up-to-date\n',
  });
  const created = await mikroOrm(env, 'migration:create', '--blank', '--path', scratch);
  expect(created).toMatchObject({
    code: 0,
    output: expect.stringMatching(/^Migration\d{14}\.ts successfully created\n$/),
  });
  const [file] = readdirSync(scratch).filter((f) => f !== 'index.ts');
  const name = file!.replace(/\.ts$/, '');
  expect(readFileSync(join(scratch, 'index.ts'), 'utf8')).toContain(`  { name: '${name}', class: ${name} },`);

  const debug = await mikroOrm(env, 'debug');
  expect(debug.code).toBe(0);
  expect(debug.output).toContain(` - ${join(root, 'mikro-orm.config.ts')} (found)`);
  expect(debug.output).toContain(' - configuration found');
  expect(debug.output).toContain(' - database connection successful');
  expect(debug.output).toContain(' - will use `entities` array (contains 6 references and 0 paths)');
}

describe('npx mikro-orm on the embedded database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mikro-orm-'));
  const dataDir = join(dir, 'data');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts it in DATA_DIR, runs each command and stops it again, leaving DATA_DIR unlocked', async () => {
    await runsEveryCommand({ DATA_DIR: dataDir }, join(dir, 'created'));
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(dataDir, 'gatehouse.lock'))).toBe(false);
  }, 180_000);

  it('refuses a DATA_DIR that another process holds', async () => {
    const lock = lockDataDir(dataDir, 'server');
    try {
      const busy = await mikroOrm({ DATA_DIR: dataDir }, 'migration:pending');
      expect(busy.code).toBe(1);
      expect(busy.output).toContain(`DATA_DIR ${dataDir} is in use by the Gatehouse server with PID ${process.pid}`);
    } finally {
      lock.release();
    }
  }, 60_000);
});

const server = process.env.DATABASE_URL;

(server ? describe : describe.skip)('npx mikro-orm on PostgreSQL', () => {
  const name = `gatehouse_cli_${Date.now().toString(36)}_${process.pid}`;
  const settings = loadConfig({ DB_POOL_MAX: '1', DB_CONNECT_RETRIES: '0' }).database;
  const onServer = (sql: string) =>
    createOrm(server!, settings).then(async (orm) => {
      try {
        await orm.em.getConnection().execute(sql);
      } finally {
        await orm.close(true);
      }
    });

  beforeAll(() => onServer(`create database "${name}"`));
  afterAll(() => onServer(`drop database if exists "${name}"`));

  // The commands that touch the database; the others ran on the embedded one above.
  it('migrates a fresh database', async () => {
    const url = new URL(server!);
    url.pathname = `/${name}`;
    await migrates({ DATABASE_URL: url.toString() });
  }, 180_000);
});
