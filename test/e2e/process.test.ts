/**
 * The process entry as an operator runs it: settings from the environment,
 * the embedded database in DATA_DIR, migrations at start-up, SIGTERM.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userCreate } from '../factories/user.factory';
import { freePort, start, waitReady } from '../support/process';

/** The JSON log lines of a process's output. */
function logLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The line a process that could not start says why in; it says nothing else. */
function fatal(output: string): Record<string, unknown> {
  const lines = logLines(output).filter((line) => line.level === 'error');
  expect(lines).toHaveLength(1);
  expect(lines[0]!.message).toMatch(/^cannot start: /);
  return lines[0]!;
}

const post = (base: string, body: unknown, path = '/v1/users') =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; output: string }> {
  const running = start(env, 'src/cli.ts', args);
  const code = await running.exited;
  return { code, output: running.output() };
}

/** `create-admin` for root, its password on standard input (STDIN in `env`). */
const createRoot = (env: Record<string, string>) =>
  cli(env, 'create-admin', '--username', 'root', '--email', 'root@example.com', '--password-stdin');

async function bearerFor(base: string, username: string, password: string): Promise<string> {
  const res = await post(base, { username, password }, '/v1/auth/token');
  expect(res.status).toBe(200);
  return `Bearer ${((await res.json()) as { access_token: string }).access_token}`;
}

describe('the server process on the embedded database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps its data across a restart and exits 0 on SIGTERM; runs one process whatever WEB_CONCURRENCY says', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { PORT: String(port), DATA_DIR: dataDir };
    const user = userCreate();

    // Workers asked for, but the embedded database serves one connection: one process, and a line says why.
    const first = start({ ...env, WEB_CONCURRENCY: '2' });
    await waitReady(base, first);
    expect((await post(base, user)).status).toBe(201);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('embedded database started');
    expect(first.output()).toMatch(/WEB_CONCURRENCY ignored: the embedded database has one writer.*"workers_asked":2/);
    expect(first.output()).not.toMatch(/starting \d+ workers|worker started/);
    expect(first.output()).not.toContain(user.password);
    // The first start says what takes seconds before doing it, and how long it took.
    const messages = logLines(first.output()).map((line) => line.message);
    const creating = messages.indexOf(
      `creating the embedded database in ${dataDir} (first start; takes a few seconds)`,
    );
    expect(creating).toBeGreaterThanOrEqual(0);
    expect(messages.indexOf('embedded database created')).toBeGreaterThan(creating);
    expect(logLines(first.output()).find((line) => line.message === 'embedded database created')).toEqual(
      expect.objectContaining({ data_dir: dataDir, duration_ms: expect.any(Number) }),
    );

    const second = start(env);
    await waitReady(base, second);
    const again = await post(base, user);
    expect(again.status).toBe(409);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output()).toContain(`opening the embedded database in ${dataDir}`);
    expect(second.output()).not.toContain('creating the embedded database');
  }, 120_000);

  it('one process at a time: a second server and the CLI fail at once naming the holder, and change nothing', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = start({ PORT: String(port), DATA_DIR: dataDir });
    try {
      await waitReady(base, server);
      const pid = server.child.pid!;
      const busy = new RegExp(`DATA_DIR ${dataDir} is in use by the Gatehouse server with PID ${pid} `);

      const second = start({ PORT: String(await freePort()), DATA_DIR: dataDir });
      expect(await second.exited).toBe(1);
      expect(fatal(second.output())).toEqual(
        expect.objectContaining({ message: expect.stringMatching(busy), setting: 'DATA_DIR' }),
      );
      expect(second.output()).not.toMatch(/opening the embedded database|embedded database started/);

      const admin = await createRoot({ DATA_DIR: dataDir, STDIN: 'cli admin password' });
      expect(admin.code).toBe(1);
      expect(admin.output.trim()).toMatch(busy);
      expect(admin.output.trim()).toMatch(/stop it, then run this command again$/);
      expect(admin.output).not.toContain('created admin');
      expect((await post(base, { username: 'root', password: 'cli admin password' }, '/v1/auth/token')).status).toBe(
        401,
      );
      // The data is this user's alone, and so is the database's password-less socket: a Unix socket inside
      // DATA_DIR (0700) rather than a loopback port any local user could connect to.
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dataDir, '.s.PGSQL.5432')).isSocket()).toBe(true);
      expect(statSync(join(dataDir, 'gatehouse.lock')).mode & 0o777).toBe(0o600);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
    // Released on exit: the next start takes it.
    expect(existsSync(join(dataDir, 'gatehouse.lock'))).toBe(false);
  }, 120_000);
});

describe('first admin and the CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
  const secrets = mkdtempSync(join(tmpdir(), 'gatehouse-secrets-'));
  afterAll(() => [dataDir, secrets].forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('migrate, create-admin and rotate-key work on the embedded database; ADMIN_* is skipped once an admin exists', async () => {
    const env = { DATA_DIR: dataDir };
    // A secret mounted as a file, as Docker and Kubernetes do; the CLI's migrate runs beside it (a migration job).
    const adminPasswordFile = join(secrets, 'admin_password');
    writeFileSync(adminPasswordFile, 'env admin password\n');
    expect(await cli({ ...env, ADMIN_PASSWORD_FILE: adminPasswordFile }, 'migrate')).toEqual({
      code: 0,
      output: expect.stringMatching(/applied: Migration/),
    });
    expect((await cli(env, 'migrate')).output).toMatch(/nothing to apply/);

    const created = await createRoot({ ...env, STDIN: 'cli admin password\n' });
    expect(created).toEqual({ code: 0, output: expect.stringMatching(/created admin root/) });
    const again = await cli(
      { ...env, ADMIN_PASSWORD: 'another password 1' },
      'create-admin',
      '--username',
      'ROOT',
      '--email',
      'x@example.com',
    );
    expect(again).toEqual({ code: 1, output: expect.stringMatching(/exists/) });
    expect((await cli(env, 'create-admin', '--email', 'bad')).code).toBe(1);

    const rotated = await cli(env, 'rotate-key');
    expect(rotated.code).toBe(0);
    const kid = rotated.output.match(/new signing key: ([0-9a-f-]{36})/)?.[1];
    expect(kid).toBeDefined();
    expect((await cli(env, 'no-such-command')).code).toBe(2);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // ADMIN_* makes the first admin only: root is one already.
    const server = start({
      ...env,
      PORT: String(port),
      ADMIN_EMAIL: 'boss@example.com',
      ADMIN_PASSWORD_FILE: adminPasswordFile,
    });
    try {
      await waitReady(base, server);
      const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
      expect(jwks.keys.map((k) => k.kid)).toEqual([kid]);
      const bearer = await bearerFor(base, 'root', 'cli admin password');
      expect((await fetch(`${base}/v1/users`, { headers: { authorization: bearer } })).status).toBe(200);
      expect((await post(base, { username: 'admin', password: 'env admin password' }, '/v1/auth/token')).status).toBe(
        401,
      );
      expect(server.output()).toMatch(/ADMIN_EMAIL and ADMIN_PASSWORD ignored: an admin exists already/);
      expect(server.output()).not.toContain('env admin password');
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  }, 120_000);
});

describe('start-up failures', () => {
  it('refuses production without MASTER_KEY', async () => {
    const running = start({ MASTER_KEY: '' });
    expect(await running.exited).toBe(1);
    expect(running.output()).toMatch(/MASTER_KEY: required in production/);
  }, 30_000);

  it('stops with one line naming each bad setting', async () => {
    const running = start({ PORT: 'eighty', REGISTRATION_OPEN: 'perhaps' });
    expect(await running.exited).toBe(1);
    expect(running.output().trim().split('\n')).toHaveLength(1);
    expect(fatal(running.output())).toEqual(
      expect.objectContaining({
        message: expect.stringMatching(/PORT: must be a whole number.*; REGISTRATION_OPEN: must be true or false/),
        setting: 'PORT, REGISTRATION_OPEN',
      }),
    );
  }, 30_000);

  it('stops with one line when the port is taken, before opening the database', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    const dataDir = join(mkdtempSync(join(tmpdir(), 'gatehouse-port-')), 'data');
    try {
      const running = start({ PORT: String(port), DATA_DIR: dataDir });
      expect(await running.exited).toBe(1);
      expect(fatal(running.output())).toEqual(
        expect.objectContaining({
          message: `cannot start: 127.0.0.1:${port} is already in use by another process: set PORT to a free port, or stop that process`,
          setting: 'PORT',
        }),
      );
      expect(running.output()).not.toContain('database');
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      taken.close();
    }
  }, 30_000);

  it('retries an unreachable database with backoff, logging each try, then gives up', async () => {
    const port = await freePort(); // nothing listens there
    const running = start({
      DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/postgres`,
      DB_CONNECT_RETRIES: '2',
      DB_CONNECT_BACKOFF_MS: '50',
    });
    expect(await running.exited).toBe(1);
    const retries = running.output().match(/database not reachable, retrying/g) ?? [];
    expect(retries).toHaveLength(2);
    expect(running.output()).toMatch(/"retry_in_ms":50[,}][\s\S]*"retry_in_ms":100[,}]/);
    expect(fatal(running.output())).toEqual(
      expect.objectContaining({
        message: expect.stringMatching(/^cannot start: database unreachable after 3 tries \(.*\): check DATABASE_URL/),
        setting: 'DATABASE_URL',
      }),
    );
  }, 30_000);
});
