/**
 * `make sdk-session [LANG=typescript|java|python]`: the scripted client session (sdk/README.md)
 * through each SDK, each against a server of its own: the compiled build on a fresh embedded
 * database with a first admin, on a free port. Java and Python clients are generated first
 * (`make sdk LANG=...`); the TypeScript one is the committed generated/sdk/typescript. Prints
 * each session's transcript; exits non-zero when any session fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './lib/run';

const SESSIONS: Record<string, { generate: boolean; command: string[] }> = {
  typescript: { generate: false, command: ['node_modules/.bin/tsx', 'sdk/typescript/session.ts'] },
  java: { generate: true, command: ['sdk/java/session/run.sh'] },
  python: { generate: true, command: ['sdk/python/session/run.sh'] },
};

const asked = process.argv.slice(2).filter(Boolean);
const languages = asked.length ? asked : Object.keys(SESSIONS);
const unknown = languages.filter((l) => !(l in SESSIONS));
if (unknown.length) {
  console.error(`sdk-session: no session for ${unknown.join(', ')}; there are ${Object.keys(SESSIONS).join(', ')}`);
  process.exit(2);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

interface Server {
  url: string;
  admin: { username: string; password: string };
  stop(): Promise<void>;
}

/** The compiled server on a fresh embedded database in a temporary DATA_DIR, once it is ready. */
async function startServer(): Promise<Server> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-session-'));
  const admin = { username: 'admin', password: `${randomBytes(12).toString('base64url')} lantern harbour` };
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'error' };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  Object.assign(env, { ADMIN_USERNAME: admin.username, ADMIN_EMAIL: 'admin@example.com' });
  env.ADMIN_PASSWORD = admin.password;
  const child: ChildProcess = spawn(process.execPath, ['dist/src/main.js'], { cwd: root, env, stdio: 'inherit' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const ready = await fetch(`${url}/readyz`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ready) return { url, admin, stop };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`the server on ${url} never became ready`);
}

async function main(): Promise<number> {
  const failed: string[] = [];
  for (const language of languages) {
    const { generate, command } = SESSIONS[language]!;
    const started = Date.now();
    console.log(`\n== ${language} SDK session`);
    if (generate) {
      const made = spawnSync('node_modules/.bin/tsx', ['scripts/sdk.ts', language], { cwd: root, stdio: 'inherit' });
      if (made.status !== 0) {
        failed.push(`${language} (make sdk)`);
        continue;
      }
    }
    const server = await startServer();
    const [program, ...args] = command as [string, ...string[]];
    const session = spawnSync(program, args, {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        GATEHOUSE_URL: server.url,
        GATEHOUSE_ADMIN_USERNAME: server.admin.username,
        GATEHOUSE_ADMIN_PASSWORD: server.admin.password,
      },
    });
    await server.stop();
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    if (session.status !== 0) failed.push(language);
    console.log(`== ${language}: ${session.status === 0 ? 'passed' : 'FAILED'} (${seconds} s)`);
  }
  if (failed.length) console.error(`\nsdk-session: failed: ${failed.join(', ')}`);
  return failed.length ? 1 : 0;
}

void main().then((code) => process.exit(code));
