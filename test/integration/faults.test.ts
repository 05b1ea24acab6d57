import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/core/config';
import { createOrm } from '../../src/db/session';
import { userCreate } from '../factories/user.factory';
import { startTestApp, type TestApp } from '../support/app';
import { TcpProxy, type ProxyMode } from '../support/tcp-proxy';
import { testDatabaseUrl } from '../support/test-database';

/** Low limits, so that each fault shows within a second and recovery within a few. */
const ENV = {
  LOG_LEVEL: 'warn',
  DB_POOL_MAX: '4',
  DB_ACQUIRE_TIMEOUT_MS: '500',
  DB_STATEMENT_TIMEOUT_MS: '300',
  DB_QUERY_TIMEOUT_MS: '500',
  DB_BREAKER_THRESHOLD: '3',
  DB_BREAKER_HALF_OPEN_MS: '250',
  DB_BREAKER_MAX_HALF_OPEN_MS: '2000',
} as const;

interface Call {
  op: 'createUser' | 'getMe';
  startedAt: number;
  ms: number;
  /** 0: no answer within 5 s, or the connection failed. */
  status: number;
  retryAfter: string | null;
  problemType: string | undefined;
  requestId: string | null;
  username?: string;
}

/** Sign-ups every 50 ms and an authenticated read alongside each, recorded as they finish. */
class Traffic {
  readonly calls: Call[] = [];
  private readonly pending = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly base: string,
    private readonly bearer: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      const input = userCreate();
      this.track('createUser', input.username, { method: 'POST', body: JSON.stringify(input) }, '/v1/users');
      this.track('getMe', undefined, { headers: { authorization: this.bearer } }, '/v1/users/me');
    }, 50);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.pending);
  }

  /** The calls that started at or after `from` (and before `to`). */
  since(from: number, to = Infinity): Call[] {
    return this.calls.filter((c) => c.startedAt >= from && c.startedAt < to);
  }

  private track(op: Call['op'], username: string | undefined, init: RequestInit, path: string): void {
    const startedAt = Date.now();
    const done = fetch(this.base + path, {
      ...init,
      headers: { 'content-type': 'application/json', ...init.headers },
      signal: AbortSignal.timeout(5_000),
    })
      .then(async (res) => {
        const body = (await res.json()) as { type?: string };
        const requestId = res.headers.get('x-request-id');
        return { status: res.status, retryAfter: res.headers.get('retry-after'), problemType: body.type, requestId };
      })
      .catch(() => ({ status: 0, retryAfter: null, problemType: undefined, requestId: null }))
      .then((answer) => {
        this.calls.push({ op, startedAt, ms: Date.now() - startedAt, ...answer, username });
      });
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }
}

const postgres = process.env.DATABASE_URL;
let proxy: TcpProxy;
let t: TestApp;
let server: Server;
let base: string;
let traffic: Traffic;
const figures: Record<string, unknown>[] = [];

(postgres ? describe : describe.skip)('database faults between the app and PostgreSQL (through a TCP proxy)', () => {
  beforeAll(async () => {
    const direct = new URL(testDatabaseUrl());
    proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    t = await startTestApp({ databaseUrl: proxy.proxied(direct.toString()), env: ENV });
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const input = userCreate();
    expect((await post('/v1/users', input)).status).toBe(201);
    const login = await post('/v1/auth/token', { username: input.username, password: input.password });
    const token = (await login.json()) as { access_token: string };
    traffic = new Traffic(base, `Bearer ${token.access_token}`);
    traffic.start();
  });

  afterAll(async () => {
    await traffic?.stop();
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
    await proxy?.stop();
    if (figures.length) console.log(`database faults (ms):\n${figures.map((f) => JSON.stringify(f)).join('\n')}`);
  });

  it.each(['cut', 'reset', 'stall'] as ProxyMode[])(
    '%s: readiness fails within 5 s, calls get 503 + Retry-After within their timeouts, all recovers within 10 s',
    async (mode) => {
      await waitFor(() => readyStatus(200), 10_000);
      await sleep(1_000); // a second of ordinary traffic: sign-ups to lose, if a fault could lose them
      const faultAt = Date.now();
      await proxy.set(mode);
      const readyFailedMs = await waitFor(() => readyStatus(503), 5_000);
      await sleep(2_000);

      await proxy.set('pass');
      const restoredAt = Date.now();
      const recoveredMs = await waitFor(
        async () =>
          (await readyStatus(200)) &&
          traffic.since(restoredAt).some((c) => c.op === 'createUser' && c.status === 201) &&
          traffic.since(restoredAt).some((c) => c.op === 'getMe' && c.status === 200),
        10_000,
      );

      // Calls in flight when the fault began count too: none may hang or fail otherwise than with 503.
      const during = traffic.since(faultAt - 1_000, restoredAt).filter((c) => c.startedAt + c.ms > faultAt);
      const failed = during.filter((c) => c.status !== 200 && c.status !== 201);
      expect(failed.length).toBeGreaterThan(10);
      expect(failed.filter((c) => c.status !== 503)).toEqual([]);
      for (const call of failed) {
        expect(call.problemType).toBe('urn:gatehouse:problem:unavailable');
        expect(Number(call.retryAfter)).toBeGreaterThanOrEqual(1);
      }
      // How long each call waited once the fault began: a sign-up that started just before it spent
      // part of its time hashing, which says nothing about how fast a fault is answered.
      // At worst a call waits for a connection, then for its query, each up to its timeout.
      const slowest = Math.max(...during.map((c) => c.startedAt + c.ms - Math.max(c.startedAt, faultAt)));
      expect(slowest).toBeLessThan(Number(ENV.DB_ACQUIRE_TIMEOUT_MS) + Number(ENV.DB_QUERY_TIMEOUT_MS) + 250);
      // Once the breaker is open, calls do not wait for the database: only its probes (one per backoff)
      // try it. Told by why each call failed (its log line), not by its latency, which a busy machine skews.
      const late = failed.filter((c) => c.startedAt > faultAt + 1_000);
      expect(late.length).toBeGreaterThan(20);
      const reasons = new Map(
        t.logs.entries.filter((e) => e.message === 'request failed: unavailable').map((e) => [e.request_id, e.reason]),
      );
      const tried = late.filter((c) => !/circuit breaker is open/.test(String(reasons.get(c.requestId))));
      expect(late.filter((c) => !reasons.has(c.requestId))).toEqual([]);
      expect(tried.length).toBeLessThanOrEqual(3);
      const waited = late.filter((c) => c.ms >= 200);
      const lateMedianMs = late.map((c) => c.ms).sort((a, b) => a - b)[Math.floor(late.length / 2)];
      figures.push({
        mode,
        readyFailedMs,
        slowestMs: slowest,
        lateMedianMs,
        lateWaited: waited.length,
        lateTried: tried.length,
        recoveredMs,
      });
    },
    30_000,
  );

  it('lost no acknowledged sign-up, and counted the breaker openings', async () => {
    await sleep(1_000);
    await traffic.stop();
    const acknowledged = traffic.calls.filter((c) => c.op === 'createUser' && c.status === 201).map((c) => c.username);
    expect(acknowledged.length).toBeGreaterThan(40);
    // Over a direct connection, not the proxy.
    const orm = await createOrm(testDatabaseUrl(), loadConfig({ DB_CONNECT_RETRIES: '0' }).database);
    try {
      const rows = await orm.em
        .getConnection()
        .execute<{ username: string }[]>('select username from users where username in (?)', [acknowledged]);
      const found = new Set(rows.map((r) => r.username));
      expect(acknowledged.filter((u) => !found.has(u!))).toEqual([]);
      figures.push({ acknowledged: acknowledged.length, found: found.size });
    } finally {
      await orm.close(true);
    }
    // knex's own word of the dropped connections is in the JSON log, not loose on the console
    expect(t.logs.entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'database driver',
        reason: expect.stringMatching(/^Connection Error/),
      }),
    );
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^gatehouse_db_circuit_state 0$/m);
    expect(Number(/^gatehouse_db_circuit_openings_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
  });
});

function post(path: string, body: object): Promise<Response> {
  return fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function readyStatus(status: number): Promise<boolean> {
  const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
  await res?.body?.cancel();
  return res?.status === status;
}

/** Polls `check` every 100 ms; resolves with the milliseconds it took to pass, fails after `limitMs`. */
async function waitFor(check: () => Promise<boolean>, limitMs: number): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > limitMs) throw new Error(`not within ${limitMs} ms`);
    await sleep(100);
  }
  return Date.now() - start;
}
