/**
 * The main section: the compiled service, path by path, against the bare
 * peer (and login against raw argon2id verifies), all in one run. Each server
 * starts once; every round measures every item, in an order that rotates.
 */
import { measureVerifyRate, type VerifyRate } from './argon2-rate';
import { account, getJson, logIn, seedUsers, signUp, type Account } from './client';
import type { Request } from './load';
import { measure, rotation, type Sample } from './measure';
import { rssMb, startBarePeer, startService, stopAll, waitForWorkers, type Server } from './processes';
import { settings } from './settings';

export const PATHS = {
  bare: 'bare node:http + pg (PK select)',
  healthz: 'GET /healthz',
  jwks: 'GET /.well-known/jwks.json',
  me: 'GET /v1/users/me (Bearer)',
  list: 'GET /v1/users?limit=20 (admin)',
  login: 'POST /v1/auth/token (login)',
  me2: 'WEB_CONCURRENCY=2 GET /v1/users/me',
} as const;
export type PathKey = keyof typeof PATHS;

export interface PathsRun {
  samples: Record<PathKey, Sample[]>;
  verifies: VerifyRate[];
  /** Processes the WEB_CONCURRENCY=2 service actually ran: 1 means it did not cluster. */
  workers: number;
  /** The one-worker service's memory after each round, with the requests it had answered by then. */
  memory: { rssMb: number; served: number }[];
  /** The two-worker service's memory at the end, its processes summed. */
  clusterRssMb: number;
}

const SEEDED_USERS = 40; // two full pages of GET /v1/users?limit=20

export async function benchPaths(databaseUrl: string): Promise<PathsRun> {
  try {
    console.log('\nThe service against the bare peer: starting the servers and seeding users');
    const setup = await setUp(databaseUrl);
    const run: PathsRun = {
      samples: { bare: [], healthz: [], jwks: [], me: [], list: [], login: [], me2: [] },
      verifies: [],
      workers: setup.workers,
      memory: [],
      clusterRssMb: 0,
    };
    const items = plan(setup, run);
    for (let round = 0; round < settings.rounds; round++) {
      console.log(`round ${round + 1}/${settings.rounds}`);
      for (const item of rotation(items, round, settings.rounds)) await item(round);
      recordMemory(setup.single, run);
    }
    run.clusterRssMb = rssMb(setup.cluster.process.pid!);
    return run;
  } finally {
    await stopAll();
  }
}

/** The one-worker service's RSS now, beside every request it has answered (what its memory has seen). */
function recordMemory(single: Server, run: PathsRun): void {
  const served = (['healthz', 'jwks', 'me', 'list', 'login'] as const)
    .flatMap((key) => run.samples[key])
    .reduce((sum, s) => sum + s.served, 0);
  const rss = rssMb(single.process.pid!);
  run.memory.push({ rssMb: rss, served });
  console.log(`  RSS of the one-worker service: ${rss.toFixed(0)} MB after ${served.toLocaleString('en')} requests`);
}

interface Setup {
  single: Server;
  cluster: Server;
  bare: Server;
  workers: number;
  userId: string;
  reader: string;
  admin: string;
  login: Account;
}

/**
 * Starts the three servers and gives them something to serve: a reader with a
 * token, an account that logs in over and over (its own, so a cap on sessions
 * per user could never revoke the reader's), an admin, and a full page of users.
 */
async function setUp(databaseUrl: string): Promise<Setup> {
  const admin = account(`admin${process.pid}`);
  // One at a time: the first start applies the migrations and creates the admin.
  const single = await startService('WEB_CONCURRENCY=1', serviceEnv(databaseUrl, 1, admin));
  const readerAccount = account(`reader${process.pid}`);
  const login = account(`login${process.pid}`);
  const userId = await signUp(single.base, readerAccount);
  await signUp(single.base, login);
  await seedUsers(single.base, SEEDED_USERS);
  const reader = await logIn(single.base, readerAccount);
  const adminAuth = await logIn(single.base, admin);
  const page = (await getJson(single.base, '/v1/users?limit=20', adminAuth)) as { items: unknown[] };
  if (page.items.length !== 20) throw new Error(`GET /v1/users?limit=20 returned ${page.items.length} users, not 20`);
  const cluster = await startService('WEB_CONCURRENCY=2', serviceEnv(databaseUrl, 2, admin));
  const workers = await waitForWorkers(cluster, 2);
  const bare = await startBarePeer(databaseUrl, userId);
  return { single, cluster, bare, workers, userId, reader, admin: adminAuth, login };
}

/** Production mode, with every rate limit raised out of the way: the figures measure the work, not the refusals. */
function serviceEnv(databaseUrl: string, workers: number, admin: Account): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    WEB_CONCURRENCY: String(workers),
    RATE_LIMIT_PER_IP: '9000000/1m',
    RATE_LIMIT_TOKEN_PER_IP: '9000000/1m',
    RATE_LIMIT_SIGNUP_PER_IP: '9000000/1h',
    LOGIN_FAILURES_PER_HOUR: '1000',
    MAX_CONNECTIONS_PER_IP: '0', // every connection of the load generator comes from one address
    ADMIN_USERNAME: admin.username,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    ACCESS_TOKEN_TTL_S: '86400', // the tokens taken at the start outlive any run
  };
}

/**
 * One closure per item of a round; each records its figures in `run`. The
 * order keeps each ratio's two sides next to each other (bare and /me, one
 * worker and two, login and raw verifies), so drift between them is least.
 */
function plan(setup: Setup, run: PathsRun): ((round: number) => Promise<void>)[] {
  const { single, cluster, bare } = setup;
  const login = JSON.stringify({ username: setup.login.username, password: setup.login.password });
  const me = (server: Server): Request => ({
    url: `${server.base}/v1/users/me`,
    headers: { authorization: setup.reader },
  });
  const path = (key: PathKey, server: Server, request: Request) => async (round: number) => {
    const sample = await measure(server, request, round);
    run.samples[key].push(sample);
    progress(PATHS[key], sample);
  };
  const verify = async () => {
    const rate = await measureVerifyRate(settings.seconds);
    run.verifies.push(rate);
    console.log(`  raw argon2id verify: ${rate.verifiesPerS.toFixed(1)} verifies/s`);
  };
  const json = { 'content-type': 'application/json' };
  return [
    path('bare', bare, { url: `${bare.base}/users/${setup.userId}` }),
    path('me', single, me(single)),
    path('me2', cluster, me(cluster)),
    path('list', single, { url: `${single.base}/v1/users?limit=20`, headers: { authorization: setup.admin } }),
    path('healthz', single, { url: `${single.base}/healthz` }),
    path('jwks', single, { url: `${single.base}/.well-known/jwks.json` }),
    path('login', single, { url: `${single.base}/v1/auth/token`, method: 'POST', headers: json, body: login }),
    verify,
  ];
}

function progress(label: string, s: Sample): void {
  const failures = s.failures ? `, ${s.failures} FAILED` : '';
  console.log(
    `  ${label}: ${s.requestsPerS.toFixed(0)} req/s, p99 ${s.p99Ms.toFixed(1)} ms, ` +
      `${s.cpuMicrosPerRequest.toFixed(0)} CPU µs/req${failures}`,
  );
}
