/**
 * HEAD on GET operations goes through what GET goes through: authentication, permissions,
 * validation, conditional requests, rate limits, metrics. (test/contract/head.test.ts checks
 * every GET operation's HEAD against its GET.)
 */
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { newAdmin, newUser } from '../support/auth';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('HEAD', () => {
  it('needs the token GET needs, and the same permissions', async () => {
    const anonymous = await request(t.app).head('/v1/users/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(anonymous.text ?? '').toBe('');

    const { bearer } = await newUser(t.app);
    expect((await request(t.app).head('/v1/users/me').set('authorization', bearer)).status).toBe(200);
    expect((await request(t.app).head('/v1/users').set('authorization', bearer)).status).toBe(403);
  });

  it('sends the ETag GET sends, and 304 while it matches', async () => {
    const admin = await newAdmin(t);
    const get = await request(t.app).get(`/v1/users/${admin.user.id}`).set('authorization', admin.bearer).expect(200);
    const head = await request(t.app).head(`/v1/users/${admin.user.id}`).set('authorization', admin.bearer);
    expect(head.status).toBe(200);
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    const again = await request(t.app)
      .head(`/v1/users/${admin.user.id}`)
      .set('authorization', admin.bearer)
      .set('If-None-Match', get.headers.etag!);
    expect(again.status).toBe(304);
  });

  it('validates the query as GET does', async () => {
    const admin = await newAdmin(t);
    const res = await request(t.app).head('/v1/users?limit=0').set('authorization', admin.bearer);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('is not allowed where there is no GET: 405, and Allow names HEAD where there is', async () => {
    const res = await request(t.app).head('/v1/auth/token');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    const allow = (await request(t.app).delete('/healthz')).headers.allow;
    expect(allow?.split(', ').sort()).toEqual(['GET', 'HEAD']);
  });

  it('counts in the metrics and the access log as HEAD of the GET operation', async () => {
    const res = await request(t.app).head('/healthz').set('X-Request-Id', 'head-probe-1');
    expect(res.status).toBe(200);
    const line = t.logs.entries.find((e) => e.message === 'request' && e.request_id === 'head-probe-1');
    expect(line).toEqual(expect.objectContaining({ method: 'HEAD', operation_id: 'getHealth', status: 200 }));
    const metrics = await request(t.app).get('/metrics');
    expect(metrics.text).toMatch(/http_requests_total\{operation_id="getHealth",method="HEAD",status="200"\} [1-9]/);
  });
});

describe('HEAD under a rate limit', () => {
  it('counts against the per-address limit as GET does', async () => {
    const limited = await startTestApp({ env: { RATE_LIMIT_PER_IP: '2/1m' } });
    try {
      const first = await request(limited.app).head('/.well-known/jwks.json');
      expect(first.status).toBe(200);
      expect(first.headers['ratelimit-remaining']).toBe('1');
      expect((await request(limited.app).get('/.well-known/jwks.json')).status).toBe(200);
      const refused = await request(limited.app).head('/.well-known/jwks.json');
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    } finally {
      await limited.close();
    }
  });
});
