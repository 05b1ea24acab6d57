import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { newUser } from '../support/auth';
import { expectProblem } from '../support/problem';

const TOKEN = 'metrics-token-0123456789abcdef';

/** The value of one sample line, e.g. `gatehouse_logins_total{result="success"}`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('GET /metrics, open (no METRICS_TOKEN)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  const scrape = async () => (await request(t.app).get('/metrics').expect(200)).text;

  it('is Prometheus text with the process, pool and HTTP metrics', async () => {
    await request(t.app).get('/healthz').expect(200);
    const res = await request(t.app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const name of [
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'gatehouse_db_pool_used_connections',
      'gatehouse_db_pool_free_connections',
      'gatehouse_db_pool_pending_connections',
      'gatehouse_refresh_reuse_total',
      'http_request_duration_seconds_bucket',
    ]) {
      expect(res.text).toContain(`\n${name}`);
    }
    expect(sample(res.text, 'http_requests_total{operation_id="getHealth",method="GET",status="200"}')).toBe(1);
  });

  it('counts each request under its operation and status, failures included', async () => {
    const series = (op: string, status: number) =>
      `http_requests_total{operation_id="${op}",method="GET",status="${status}"}`;
    const before = await scrape();
    await request(t.app).get('/healthz').expect(200);
    await request(t.app).get('/v1/users/me').expect(401);
    await request(t.app).get('/healthz?unexpected=1').expect(400);
    await request(t.app).get('/nowhere').expect(404);
    const after = await scrape();
    for (const [op, status] of [
      ['getHealth', 200],
      ['getMe', 401],
      ['getHealth', 400],
      ['unmatched', 404],
    ] as const) {
      expect(sample(after, series(op, status)) - sample(before, series(op, status))).toBe(1);
    }
  });

  it('counts login successes and failures', async () => {
    const user = await newUser(t.app);
    const before = await scrape();
    await request(t.app).post('/v1/auth/token').send({ username: user.input.username, password: user.input.password });
    await request(t.app).post('/v1/auth/token').send({ username: user.input.username, password: 'wrong-password' });
    await request(t.app).post('/v1/auth/token').send({ username: 'nobody_here', password: 'wrong-password' });
    const after = await scrape();
    const delta = (result: string) =>
      sample(after, `gatehouse_logins_total{result="${result}"}`) -
      sample(before, `gatehouse_logins_total{result="${result}"}`);
    expect({ success: delta('success'), failure: delta('failure') }).toEqual({ success: 1, failure: 2 });
  });

  it('counts refresh token reuse', async () => {
    const user = await newUser(t.app);
    const before = sample(await scrape(), 'gatehouse_refresh_reuse_total');
    const refresh = { refresh_token: user.tokens.refresh_token };
    await request(t.app).post('/v1/auth/refresh').send(refresh).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const reused = await startTestApp({ env: { REFRESH_GRACE_S: '0' } });
    try {
      await request(reused.app).post('/v1/auth/refresh').send(refresh).expect(401);
      expect(
        sample(
          await request(reused.app)
            .get('/metrics')
            .then((r) => r.text),
          'gatehouse_refresh_reuse_total',
        ),
      ).toBe(1);
    } finally {
      await reused.close();
    }
    expect(sample(await scrape(), 'gatehouse_refresh_reuse_total')).toBe(before);
  });
});

describe('GET /metrics with METRICS_TOKEN set', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_TOKEN: TOKEN } });
  });
  afterAll(() => t.close());

  it('is 401 without a token, with a wrong one, or with an access token', async () => {
    const user = await newUser(t.app);
    for (const authorization of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(1)}`,
      `Basic ${TOKEN}`,
      user.bearer,
    ]) {
      const req = request(t.app).get('/metrics');
      const res = await (authorization ? req.set('authorization', authorization) : req);
      expectProblem(res, 401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  it('is 401 before the query is validated', async () => {
    expectProblem(await request(t.app).get('/metrics?unexpected=1'), 401);
  });

  it('is 200 with the token, and counts refusals under getMetrics', async () => {
    await request(t.app).get('/metrics').expect(401);
    const res = await request(t.app).get('/metrics').set('authorization', `Bearer ${TOKEN}`).expect(200);
    expect(
      sample(res.text, 'http_requests_total{operation_id="getMetrics",method="GET",status="401"}'),
    ).toBeGreaterThan(0);
    expect(res.text).not.toContain('operation_id="unmatched"');
  });
});
