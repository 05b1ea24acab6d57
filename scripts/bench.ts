/**
 * `make bench`: what the rate limits cost. The compiled service runs as its
 * own process under each setting in turn: no limits (the baseline), limits
 * counted in memory, and limits counted in Redis (when REDIS_URL is set or
 * Redis answers on 127.0.0.1:6379). autocannon drives an authenticated read,
 * GET /v1/users/me (a token check, one session lookup, one user read, and
 * every request counted). Rounds alternate the settings, so drift on a noisy
 * machine hits each alike; figures are medians of the rounds, as ratios to the
 * baseline measured in the same run.
 *
 * Database: a fresh PostgreSQL database on DATABASE_URL's server when set,
 * dropped afterwards; otherwise the embedded database in a temporary DATA_DIR.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { loadConfig } from '../src/core/config';
import { createOrm } from '../src/db/session';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const PORT = 18_900 + (process.pid % 90);
const BASE = `http://127.0.0.1:${PORT}`;
const MASTER_KEY = randomBytes(32).toString('base64');
const LIMITS = { RATE_LIMIT_PER_IP: '9000000/1m', RATE_LIMIT_TOKEN_PER_IP: '100000/1m' };

interface Setting {
  name: string;
  env: Record<string, string>;
}

interface Figures {
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  rssMb: number;
  non2xx: number;
}

async function main(): Promise<void> {
  const redisUrl = process.env.REDIS_URL ?? ((await redisAnswers('127.0.0.1', 6379)) ? 'redis://127.0.0.1:6379' : '');
  const settings: Setting[] = [
    { name: 'no limits (baseline)', env: { RATE_LIMIT_PER_IP: 'off', RATE_LIMIT_TOKEN_PER_IP: 'off' } },
    { name: 'limits in memory', env: LIMITS },
    ...(redisUrl ? [{ name: 'limits in Redis', env: { ...LIMITS, REDIS_URL: redisUrl } }] : []),
  ];
  const database = await scratchDatabase();
  const results = new Map<string, Figures[]>(settings.map((s) => [s.name, []]));
  let bearer = '';
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      // Each round starts with the next setting, so none always runs first (or after the same one).
      for (const setting of [
        ...settings.slice(round % settings.length),
        ...settings.slice(0, round % settings.length),
      ]) {
        const server = await start({ ...database.env, ...setting.env, REDIS_KEY_PREFIX: `bench-${process.pid}:` });
        try {
          bearer ||= await signUp();
          await load(bearer, 2); // warm-up
          const figures = await load(bearer, SECONDS);
          results.get(setting.name)!.push({ ...figures, rssMb: rssMb(server) });
          console.log(`round ${round}, ${setting.name}: ${figures.requestsPerS.toFixed(0)} req/s`);
        } finally {
          await stop(server);
        }
      }
    }
  } finally {
    await database.drop();
  }
  report(results);
}

function report(results: Map<string, Figures[]>): void {
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const summary = [...results].map(([name, rounds]) => ({
    name,
    requestsPerS: median(rounds.map((r) => r.requestsPerS)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    rssMb: median(rounds.map((r) => r.rssMb)),
    non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0),
  }));
  const base = summary[0]!;
  console.log(
    `\nGET /v1/users/me, ${CONNECTIONS} connections, ${SECONDS} s x ${ROUNDS} rounds (medians; ratios to the baseline)`,
  );
  console.log('setting                 req/s   ratio   p50 ms  p99 ms  ratio   RSS MB  non-2xx');
  for (const s of summary) {
    console.log(
      [
        s.name.padEnd(22),
        s.requestsPerS.toFixed(0).padStart(6),
        (s.requestsPerS / base.requestsPerS).toFixed(2).padStart(7),
        s.p50Ms.toFixed(1).padStart(8),
        s.p99Ms.toFixed(1).padStart(7),
        (s.p99Ms / base.p99Ms).toFixed(2).padStart(7),
        s.rssMb.toFixed(0).padStart(8),
        String(s.non2xx).padStart(8),
      ].join(' '),
    );
  }
  if (summary.some((s) => s.non2xx > 0)) {
    console.error('some requests were not answered 2xx: the figures do not measure what they say');
    process.exitCode = 1;
  }
}

async function load(bearer: string, seconds: number): Promise<Omit<Figures, 'rssMb'>> {
  const result = await autocannon({
    url: `${BASE}/v1/users/me`,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: bearer },
  });
  return {
    requestsPerS: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
  };
}

async function signUp(): Promise<string> {
  const body = {
    username: `bench${process.pid}`,
    email: `bench${process.pid}@example.com`,
    password: 'bench password 1',
  };
  const post = (path: string, json: object) =>
    fetch(BASE + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
  const created = await post('/v1/users', body);
  if (created.status !== 201) throw new Error(`sign-up: ${created.status} ${await created.text()}`);
  const login = await post('/v1/auth/token', { username: body.username, password: body.password });
  const { access_token: token, expires_in: ttl } = (await login.json()) as { access_token: string; expires_in: number };
  if (ttl < ROUNDS * 3 * (SECONDS + 10)) throw new Error('the access token would expire during the run');
  return `Bearer ${token}`;
}

async function start(env: Record<string, string>): Promise<ChildProcess> {
  const server = spawn(process.execPath, ['dist/src/main.js'], {
    // As in production (no response validation), over plain HTTP on the loopback.
    env: {
      ...process.env,
      NODE_ENV: 'production',
      ALLOW_INSECURE_HTTP: 'true',
      MASTER_KEY,
      LOG_LEVEL: 'error',
      PORT: String(PORT),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let waited = 0; waited < 60_000; waited += 200) {
    if (server.exitCode !== null) throw new Error(`the service exited with ${server.exitCode}`);
    const ready = await fetch(`${BASE}/readyz`).catch(() => undefined);
    if (ready?.status === 200) return server;
    await sleep(200);
  }
  server.kill('SIGKILL');
  throw new Error('the service did not become ready within 60 s');
}

function stop(server: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    server.once('exit', () => resolve());
    server.kill('SIGTERM');
  });
}

function rssMb(server: ChildProcess): number {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** A database of the run's own: on DATABASE_URL's server, or embedded in a temporary directory. */
async function scratchDatabase(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
    return { env: { DATA_DIR: dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `gatehouse_bench_${process.pid}`;
  const admin = await createOrm(serverUrl, loadConfig({ DB_POOL_MAX: '1' }).database);
  await admin.em.getConnection().execute(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    drop: async () => {
      await admin.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
      await admin.close(true);
    },
  };
}

async function redisAnswers(host: string, port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    function done(answer: boolean) {
      socket.destroy();
      resolve(answer);
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
