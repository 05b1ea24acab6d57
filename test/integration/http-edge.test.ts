import request from 'supertest';
import { LIFECYCLE } from '../../src/container.tokens';
import type { Lifecycle } from '../../src/core/lifecycle';
import { startTestApp, type TestApp } from '../support/app';
import { newAdmin, newUser } from '../support/auth';
import { expectProblem } from '../support/problem';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { CORS_ORIGINS: 'https://app.example.com', TRUST_PROXY: 'loopback' } });
});
afterAll(() => t.close());

describe('CORS', () => {
  it('gives an allowed origin CORS headers, and answers its preflight', async () => {
    const res = await request(t.app).get('/healthz').set('Origin', 'https://app.example.com');
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
    expect(res.headers['access-control-expose-headers']).toMatch(/Retry-After,RateLimit-Limit,RateLimit-Remaining/);

    const preflight = await request(t.app)
      .options('/v1/users/me')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'PATCH')
      .set('Access-Control-Request-Headers', 'authorization, content-type');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toMatch(/PATCH/);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/traceparent,tracestate/);
  });

  it.each(['https://evil.example.com', 'null', 'https://app.example.com.evil.com'])(
    'gives %s no CORS headers at all',
    async (origin) => {
      const res = await request(t.app).get('/healthz').set('Origin', origin);
      expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      const preflight = await request(t.app)
        .options('/v1/users')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST');
      expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    },
  );
});

describe('Vary: Origin', () => {
  const varies = (res: request.Response) =>
    (res.headers.vary ?? '')
      .split(',')
      .map((v) => v.trim().toLowerCase())
      .includes('origin');

  it('is on every response while CORS origins are set: allowed, other or no Origin, preflights, errors', async () => {
    const allowed = 'https://app.example.com';
    const other = 'https://evil.example.com';
    const preflight = (origin: string) =>
      request(t.app).options('/v1/users').set('Origin', origin).set('Access-Control-Request-Method', 'POST');
    const responses = {
      allowed: await request(t.app).get('/healthz').set('Origin', allowed),
      other: await request(t.app).get('/healthz').set('Origin', other),
      none: await request(t.app).get('/healthz'),
      'allowed preflight': await preflight(allowed),
      'other preflight': await preflight(other),
      'error, other origin': await request(t.app).get('/nowhere').set('Origin', other),
      'error, no origin': await request(t.app).get('/v1/users/me'),
    };
    const without = Object.entries(responses)
      .filter(([, res]) => !varies(res))
      .map(([name]) => name);
    expect(without).toEqual([]);
    expect(responses.allowed.headers.vary).toBe('Origin');
  });

  it('is not sent when no CORS origins are set: no response depends on Origin', async () => {
    const plain = await startTestApp();
    try {
      expect(varies(await request(plain.app).get('/healthz').set('Origin', 'https://app.example.com'))).toBe(false);
    } finally {
      await plain.close();
    }
  });
});

describe('security headers', () => {
  it('sends helmet defaults and no X-Powered-By', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('sends HSTS only on HTTPS (here, as told by a trusted proxy)', async () => {
    expect((await request(t.app).get('/healthz')).headers['strict-transport-security']).toBeUndefined();
    const https = await request(t.app).get('/healthz').set('X-Forwarded-Proto', 'https');
    expect(https.headers['strict-transport-security']).toMatch(/max-age=31536000/);
  });

  it('lets the docs page load over plain HTTP from any host: no upgrade-insecure-requests', async () => {
    const res = await request(t.app).get('/docs').set('Host', 'gatehouse.internal:8000');
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
  });

  it('keeps upgrade-insecure-requests in the CSP over HTTPS (here, as told by a trusted proxy)', async () => {
    const res = await request(t.app)
      .get('/docs')
      .set('Host', 'gatehouse.example.com')
      .set('X-Forwarded-Proto', 'https');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['content-security-policy']).toMatch(/upgrade-insecure-requests/);
  });

  it('does not believe X-Forwarded-Proto without TRUST_PROXY', async () => {
    const plain = await startTestApp();
    try {
      const res = await request(plain.app).get('/healthz').set('X-Forwarded-Proto', 'https');
      expect(res.headers['strict-transport-security']).toBeUndefined();
      expect(res.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
    } finally {
      await plain.close();
    }
  });

  it('never lets a response that carries a token be stored', async () => {
    const { input } = await newUser(t.app);
    const res = await request(t.app)
      .post('/v1/auth/token')
      .send({ username: input.username, password: input.password });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.etag).toBeUndefined();
  });
});

describe('conditional GETs on user reads', () => {
  it('GET /v1/users/me: ETag, 304 while unchanged, 200 with a new ETag after a change', async () => {
    const { bearer } = await newUser(t.app);
    const first = await request(t.app).get('/v1/users/me').set('authorization', bearer).expect(200);
    expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers['cache-control']).toBe('private, no-cache');

    const same = await request(t.app)
      .get('/v1/users/me')
      .set('authorization', bearer)
      .set('If-None-Match', first.headers.etag!);
    expect(same.status).toBe(304);
    expect(same.text).toBe('');

    await request(t.app).patch('/v1/users/me').set('authorization', bearer).send({ full_name: 'Changed' }).expect(200);
    const changed = await request(t.app)
      .get('/v1/users/me')
      .set('authorization', bearer)
      .set('If-None-Match', first.headers.etag!);
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(first.headers.etag);
  });

  it('GET /v1/users/{id}: 304 for an admin revalidating', async () => {
    const admin = await newAdmin(t);
    const { user } = await newUser(t.app);
    const first = await request(t.app).get(`/v1/users/${user.id}`).set('authorization', admin.bearer).expect(200);
    const again = await request(t.app)
      .get(`/v1/users/${user.id}`)
      .set('authorization', admin.bearer)
      .set('If-None-Match', `"other", ${first.headers.etag}`);
    expect(again.status).toBe(304);
  });

  it('304 also when the request says Cache-Control: no-cache, as fetch() adds to every conditional request', async () => {
    // The directive asks caches on the way to revalidate with the origin; this server is the
    // origin, so it answers the condition (RFC 9111 5.2.1.4). Browsers and Node's fetch send it.
    const { bearer } = await newUser(t.app);
    const first = await request(t.app).get('/v1/users/me').set('authorization', bearer).expect(200);
    const same = await request(t.app)
      .get('/v1/users/me')
      .set('authorization', bearer)
      .set('Cache-Control', 'no-cache')
      .set('Pragma', 'no-cache')
      .set('If-None-Match', first.headers.etag!);
    expect(same.status).toBe(304);
    expect(same.headers.etag).toBe(first.headers.etag);
    expect(same.text).toBe('');
    const weak = await request(t.app)
      .get('/v1/users/me')
      .set('authorization', bearer)
      .set('Cache-Control', 'no-cache')
      .set('If-None-Match', `W/${first.headers.etag}`);
    expect(weak.status).toBe(304); // If-None-Match compares weakly (RFC 9110 13.1.2)
  });

  it('a stale or garbage If-None-Match gets the full answer', async () => {
    const { bearer } = await newUser(t.app);
    const res = await request(t.app).get('/v1/users/me').set('authorization', bearer).set('If-None-Match', '"stale"');
    expect(res.status).toBe(200);
  });

  it('operations without conditional GETs in the spec send no ETag', async () => {
    expect((await request(t.app).get('/healthz').set('If-None-Match', '*')).status).toBe(200);
    expect((await request(t.app).get('/healthz')).headers.etag).toBeUndefined();
  });
});

describe('shutdown', () => {
  it('readiness fails once the process is shutting down, with the reason', async () => {
    const stopping = await startTestApp();
    try {
      expect((await request(stopping.app).get('/readyz')).status).toBe(200);
      stopping.container.resolve<Lifecycle>(LIFECYCLE).beginShutdown();
      const problem = expectProblem(await request(stopping.app).get('/readyz'), 503);
      expect(problem.checks).toMatchObject({ shutdown: { status: 'failing', detail: 'the process is shutting down' } });
      expect((await request(stopping.app).get('/healthz')).status).toBe(200);
    } finally {
      await stopping.close();
    }
  });
});
