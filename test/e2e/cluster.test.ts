/**
 * WEB_CONCURRENCY=2 on PostgreSQL: one primary, two workers sharing the port.
 * (On the embedded database the service runs one process: see process.test.ts.)
 */
import { randomUUID } from 'node:crypto';
import { userCreate } from '../factories/user.factory';
import { testDatabaseUrl } from '../support/test-database';
import { freePort, onNewConnection, start, waitReady, type Running } from '../support/process';

const postgres = process.env.DATABASE_URL;

const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern, 'g'))?.length ?? 0;
const workerPids = (output: string) =>
  [...output.matchAll(/"message":"worker started","pid":(\d+)/g)].map((m) => Number(m[1]));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Scrape {
  status: number;
  pid: number | undefined;
  /** `http_requests_total` of getHealth 200, summed over the workers. */
  healthChecks: number;
  workers: number;
}

(postgres ? describe : describe.skip)('WEB_CONCURRENCY=2 (PostgreSQL)', () => {
  let base: string;
  let running: Running;
  const admin = `admin_${randomUUID().slice(0, 8)}`;

  async function scrape(): Promise<Scrape> {
    const { status, body } = await onNewConnection(`${base}/metrics`);
    const value = (pattern: RegExp) => Number(pattern.exec(body)?.[1] ?? 0);
    return {
      status,
      pid: Number(/^gatehouse_metrics_answered_by\{worker="\d+",pid="(\d+)"\} 1$/m.exec(body)?.[1]) || undefined,
      healthChecks: value(/^http_requests_total\{operation_id="getHealth",method="GET",status="200"\} (\d+)$/m),
      workers: value(/^gatehouse_cluster_workers (\d+)$/m),
    };
  }

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    running = start({
      PORT: String(port),
      DATABASE_URL: testDatabaseUrl('main'),
      WEB_CONCURRENCY: '2',
      RATE_LIMIT_PER_IP: '10/1m',
      LOGIN_FAILURES_PER_HOUR: '2',
      TRUST_PROXY: 'loopback',
      ADMIN_USERNAME: admin,
      ADMIN_EMAIL: `${admin}@example.com`,
      ADMIN_PASSWORD: 'a long admin password',
    });
    await waitReady(base, running);
    await until('both workers listening', () => count(running.output(), /"message":"listening"/) === 2);
  }, 60_000);

  afterAll(() => {
    if (running.child.exitCode === null) running.child.kill('SIGKILL');
    for (const pid of workerPids(running.output())) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('does the one-time work once in the primary, then starts the workers and says why', () => {
    const output = running.output();
    expect(output).toMatch(/"message":"starting 2 workers".*"reason":"WEB_CONCURRENCY=2"/);
    expect(count(output, /"message":"migrations up to date"/)).toBe(1);
    // The first admin: made, or skipped because the shared test database has admins already; once either way.
    const firstAdmin = `"message":"(admin user created|ADMIN_EMAIL and ADMIN_PASSWORD ignored: an admin exists already)"`;
    expect(count(output, new RegExp(`${firstAdmin}.*"username":"${admin}"`))).toBe(1);
    expect(workerPids(output)).toHaveLength(2);
  });

  it('answers from both workers; /metrics sums them and says who answered', async () => {
    for (let i = 0; i < 8; i++) expect((await onNewConnection(`${base}/healthz`)).status).toBe(200);
    const scrapes: Scrape[] = [];
    for (let i = 0; i < 6; i++) scrapes.push(await scrape());
    for (const s of scrapes) expect(s).toMatchObject({ status: 200, healthChecks: 8, workers: 2 });
    expect(new Set(scrapes.map((s) => s.pid))).toEqual(new Set(workerPids(running.output())));
    // each worker served some of the health checks (the access log names the worker)
    const served = running.output().match(/"path":"\/healthz".*"worker":\d+/g) ?? [];
    expect(new Set(served.map((line) => /"worker":(\d+)/.exec(line)?.[1])).size).toBe(2);
  });

  it('enforces a per-address limit across the workers (counters in the primary)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await onNewConnection(`${base}/openapi.json`)).status);
    expect(statuses).toEqual([...Array<number>(10).fill(200), ...Array<number>(4).fill(429)]);
  });

  it('counts failed logins per account across the workers, and remembers known addresses there', async () => {
    const user = userCreate();
    const from = (ip: string, password: string) =>
      onNewConnection(`${base}/v1/auth/token`, {
        method: 'POST',
        headers: { 'x-forwarded-for': ip },
        json: { username: user.username, password },
      }).then((res) => res.status);
    // (addresses of their own: this one's per-address count ran out in the test before)
    const signup = { method: 'POST', headers: { 'x-forwarded-for': '198.51.100.7' }, json: user };
    expect((await onNewConnection(`${base}/v1/users`, signup)).status).toBe(201);
    // each request on a new connection, so consecutive ones go to alternate workers
    expect(await from('198.51.100.7', user.password)).toBe(200);
    expect(await from('203.0.113.1', 'guess one')).toBe(401);
    expect(await from('203.0.113.2', 'guess two')).toBe(401);
    expect(await from('203.0.113.3', user.password)).toBe(429);
    expect(await from('198.51.100.7', user.password)).toBe(200);
  });

  it('fails a scrape when a worker does not answer, rather than sum part of the workers', async () => {
    const [stalled] = workerPids(running.output());
    process.kill(stalled!, 'SIGSTOP');
    try {
      // A connection handed to the stalled worker waits; the other worker's answer comes after the collect timeout.
      const scrapes = [1, 2].map(() => onNewConnection(`${base}/metrics`, { timeoutMs: 4_000 }).catch(() => undefined));
      const answers = await Promise.all(scrapes);
      expect(answers.map((a) => a?.status)).toContain(500);
    } finally {
      process.kill(stalled!, 'SIGCONT');
    }
    // JSON keys are sorted: the error comes before the message
    expect(running.output()).toMatch(
      new RegExp(
        `\\(pid ${stalled}\\) did not answer in 2000 ms","level":"error","message":"metrics aggregation failed"`,
      ),
    );
  }, 20_000);

  it('replaces a worker that dies, logging its exit', async () => {
    const [victim] = workerPids(running.output());
    process.kill(victim!, 'SIGKILL');
    await until('a replacement worker listening', () => count(running.output(), /"message":"listening"/) === 3);
    expect(running.output()).toMatch(
      new RegExp(`"message":"worker exited; starting a replacement","pid":${victim}.*"signal":"SIGKILL"`),
    );
    const pids = workerPids(running.output());
    expect(pids).toHaveLength(3);
    await until('both live workers answering /metrics', async () => {
      const seen = new Set<number | undefined>();
      for (let i = 0; i < 4; i++) seen.add((await scrape()).pid);
      return seen.size === 2 && !seen.has(victim);
    });
  }, 30_000);

  it('on SIGTERM stops every worker gracefully and exits 0', async () => {
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    const output = running.output();
    expect(count(output, /"code":0,"level":"info","message":"worker stopped"/)).toBe(2);
    expect(count(output, /"message":"shutting down: readiness now fails"/)).toBe(2);
    for (const pid of workerPids(output)) expect(alive(pid)).toBe(false);
  }, 30_000);
});
