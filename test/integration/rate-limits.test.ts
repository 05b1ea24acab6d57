import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Env } from '../../src/core/config';
import { apiSpec } from '../../src/api/spec';
import { startTestApp, type TestApp } from '../support/app';
import { login, newUser } from '../support/auth';
import { expectProblem } from '../support/problem';
import { userCreate } from '../factories/user.factory';

// Closed after each test: the embedded database serves one connection at a time.
const apps: TestApp[] = [];
async function app(env: Env): Promise<TestApp> {
  const t = await startTestApp({ env });
  apps.push(t);
  return t;
}
afterEach(() => Promise.all(apps.splice(0).map((t) => t.close())));

/** A 429 problem that says when to come back, and the limit's standing. */
function expectLimited(res: request.Response, limit: number, windowS: number): void {
  const body = expectProblem(res, 429);
  expect(body.type).toBe('urn:gatehouse:problem:rate_limited');
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowS);
  expect(res.headers).toMatchObject({
    'ratelimit-limit': String(limit),
    'ratelimit-remaining': '0',
    'ratelimit-reset': res.headers['retry-after'],
    'ratelimit-policy': `${limit};w=${windowS}`,
  });
}

/** Every operation the spec says may answer 429, as a request with placeholder parameters. */
const LIMITED_OPERATIONS = Object.entries(apiSpec.paths as Record<string, Record<string, unknown>>).flatMap(
  ([path, item]) =>
    Object.entries(item).flatMap(([method, op]) => {
      const responses = (op as { responses?: Record<string, unknown> }).responses;
      return responses && '429' in responses ? [{ method, path: path.replace(/\{[a-z_]+\}/g, randomUUID()) }] : [];
    }),
);

describe('the per-address limit', () => {
  it('counts every request, says so in RateLimit headers, then answers 429 with Retry-After', async () => {
    const t = await app({ RATE_LIMIT_PER_IP: '3/1m' });
    for (const remaining of ['2', '1', '0']) {
      const res = await request(t.app).get('/openapi.json');
      expect(res.status).toBe(200);
      expect(res.headers).toMatchObject({
        'ratelimit-limit': '3',
        'ratelimit-remaining': remaining,
        'ratelimit-policy': '3;w=60',
      });
    }
    expectLimited(await request(t.app).get('/openapi.json'), 3, 60);
    expectLimited(await request(t.app).get('/v1/nothing-here'), 3, 60);
  });

  it('answers 429 on every operation that documents it, and never on the probes', async () => {
    const t = await app({ RATE_LIMIT_PER_IP: '1/1m' });
    await request(t.app).get('/.well-known/jwks.json').expect(200);
    expect(LIMITED_OPERATIONS.length).toBeGreaterThan(15);
    for (const { method, path } of LIMITED_OPERATIONS) {
      const client = request(t.app);
      const res = await client[method as 'get'](path).send(method === 'get' ? undefined : {});
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 429 });
      expectLimited(res, 1, 60);
    }
    for (const probe of ['/healthz', '/readyz', '/metrics']) {
      expect((await request(t.app).get(probe)).status).toBe(200);
    }
  });

  it('counts each client address apart (behind a trusted proxy), and an IPv6 client by its /64', async () => {
    const t = await app({ RATE_LIMIT_PER_IP: '1/1m', TRUST_PROXY: 'loopback' });
    const from = (ip: string) => request(t.app).get('/openapi.json').set('X-Forwarded-For', ip);
    expect((await from('198.51.100.1')).status).toBe(200);
    expect((await from('198.51.100.2')).status).toBe(200);
    expect((await from('198.51.100.1')).status).toBe(429);
    expect((await from('2001:db8:1:2::1')).status).toBe(200);
    expect((await from('2001:db8:1:2:ffff::9')).status).toBe(429);
    expect((await from('2001:db8:1:3::1')).status).toBe(200);
  });
});

describe('the stricter limits named by x-rate-limit', () => {
  it('limits log-in attempts per address, leaving other operations alone', async () => {
    const t = await app({ RATE_LIMIT_TOKEN_PER_IP: '2/1m' });
    const attempt = () => request(t.app).post('/v1/auth/token').send({ username: 'nobody', password: 'wrong horse' });
    expect((await attempt()).status).toBe(401);
    expect((await attempt()).status).toBe(401);
    expectLimited(await attempt(), 2, 60);
    expectLimited(await attempt(), 2, 60);
    expect((await request(t.app).get('/openapi.json')).status).toBe(200);
    const metrics = (await request(t.app).get('/metrics')).text;
    expect(metrics).toContain('\ngatehouse_rate_limited_total{limit="token_ip"} 2\n');
  });

  it('limits sign-ups per address; the refused one creates nothing', async () => {
    const t = await app({ RATE_LIMIT_SIGNUP_PER_IP: '1/1h' });
    const admin = await app({});
    const first = userCreate();
    const second = userCreate();
    expect((await request(t.app).post('/v1/users').send(first)).status).toBe(201);
    expectLimited(await request(t.app).post('/v1/users').send(second), 1, 3_600);
    await expect(login(admin.app, second.username, second.password)).rejects.toThrow('login failed: 401');
  });
});

describe('failed logins per account', () => {
  it('locks the account for the hour after the limit, even with the right password, but not others', async () => {
    const t = await app({ LOGIN_FAILURES_PER_HOUR: '3', TRUST_PROXY: 'loopback' });
    const victim = await newUser(t.app);
    const other = await newUser(t.app);
    const attempt = (password: string, username = victim.input.username, ip = '203.0.113.5') =>
      request(t.app).post('/v1/auth/token').set('X-Forwarded-For', ip).send({ username, password });
    for (let i = 0; i < 3; i++) expect((await attempt('not the password')).status).toBe(401);
    // by email and in other case: the same account
    const limited = await attempt(victim.input.password, victim.input.email.toUpperCase(), '192.0.2.44');
    expectLimited(limited, 3, 3_600);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(3_500);
    expect((await attempt(other.input.password, other.input.username)).status).toBe(200);
  });

  it('still lets the owner in from an address that logged in to the account before', async () => {
    const t = await app({ LOGIN_FAILURES_PER_HOUR: '2', TRUST_PROXY: 'loopback' });
    const victim = await newUser(t.app);
    const attempt = (password: string, ip: string) =>
      request(t.app)
        .post('/v1/auth/token')
        .set('X-Forwarded-For', ip)
        .send({ username: victim.input.username, password });
    expect((await attempt(victim.input.password, '198.51.100.20')).status).toBe(200);
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) await attempt('guess', ip);
    expect((await attempt(victim.input.password, '203.0.113.4')).status).toBe(429);
    expect((await attempt(victim.input.password, '198.51.100.20')).status).toBe(200);
  });

  it('tells nothing about which accounts exist, however the login name is spelt', async () => {
    // Finding: PostgreSQL folded "İ" to "i" and found the account (counted by id), while an unknown
    // name was counted under toLowerCase's two-character "i̇": 429 for an account, 401 for none.
    const t = await app({ LOGIN_FAILURES_PER_HOUR: '3' });
    const victim = await newUser(t.app, { email: `victim_${randomUUID().slice(0, 8)}@gmail.com` });
    const unknown = `nobody_${randomUUID().slice(0, 8)}@gmail.com`;
    const attempt = (username: string) =>
      request(t.app).post('/v1/auth/token').send({ username, password: 'not the password' });
    const statuses = async (email: string) => {
      const out: number[] = [];
      for (let i = 0; i < 3; i++) out.push((await attempt(email)).status);
      const [local, domain] = email.split('@') as [string, string];
      for (const spelling of [
        `${local}@${domain.replace('i', '\u0130')}`, // capital dotted I
        `${local}@${domain.replace('i', 'i\u0307')}`, // i and a combining dot
        `${local}@${domain}`.toUpperCase(),
        `${local}@${domain.replace('g', '\uff47')}`, // fullwidth g: NFKC makes it "g"
      ]) {
        out.push((await attempt(spelling)).status);
      }
      return out;
    };
    const forVictim = await statuses(victim.input.email);
    const forNobody = await statuses(unknown);
    expect(forVictim).toEqual(forNobody);
    expect(forVictim).toEqual([401, 401, 401, 401, 401, 429, 429]);
  });

  it('caps wrong current passwords like failed logins, one count per account, each one audited', async () => {
    // Finding: PUT /v1/users/me/password answered 30 wrong current passwords with 30 × 403, never a 429.
    const t = await app({ LOGIN_FAILURES_PER_HOUR: '3', TRUST_PROXY: 'loopback' });
    const victim = await newUser(t.app);
    const change = (current: string, ip = '203.0.113.7') =>
      request(t.app)
        .put('/v1/users/me/password')
        .set('authorization', victim.bearer)
        .set('X-Forwarded-For', ip)
        .send({ current_password: current, new_password: 'a new and long password' });
    for (let i = 0; i < 3; i++) expectProblem(await change(`wrong guess ${i}`), 403);
    expectLimited(await change(victim.input.password), 3, 3_600);
    // the account's count is the login's: a login from a new address is refused too
    const login = await request(t.app)
      .post('/v1/auth/token')
      .set('X-Forwarded-For', '192.0.2.80')
      .send({ username: victim.input.username, password: victim.input.password });
    expect(login.status).toBe(429);
    const failed = t.logs.entries.filter((e) => e.audit === 'reauth.failed');
    expect(failed).toHaveLength(3);
    expect(failed[0]).toMatchObject({
      subject_id: victim.user.id,
      actor_id: victim.user.id,
      operation: 'change_password',
    });
    expect(t.logs.entries.filter((e) => e.audit === 'reauth.throttled')).toHaveLength(1);
  });

  it('writes a login.throttled audit event without the login name or password', async () => {
    const t = await app({ LOGIN_FAILURES_PER_HOUR: '1' });
    const victim = await newUser(t.app);
    const attempt = (password: string) =>
      request(t.app).post('/v1/auth/token').send({ username: victim.input.username, password });
    await attempt('wrong password one');
    expect((await attempt(victim.input.password)).status).toBe(429);
    const metrics = (await request(t.app).get('/metrics')).text;
    expect(metrics).toContain('\ngatehouse_rate_limited_total{limit="login_failures"} 1\n');
    const events = t.logs.entries.filter((e) => e.audit === 'login.throttled');
    expect(events).toEqual([expect.objectContaining({ level: 'warn', subject_id: victim.user.id })]);
    expect(JSON.stringify(events)).not.toContain(victim.input.username);
  });
});

const redisUrl = process.env.REDIS_URL;
(redisUrl ? describe : describe.skip)('two instances sharing Redis and the database', () => {
  const shared = (env: Env = {}) => ({ REDIS_KEY_PREFIX: `test-shared-${randomUUID()}:`, ...env });

  it('enforce one per-address limit between them', async () => {
    const env = shared({ RATE_LIMIT_PER_IP: '4/1m' });
    const [a, b] = [await app(env), await app(env)];
    for (const t of [a, b, a, b]) expect((await request(t.app).get('/openapi.json')).status).toBe(200);
    expectLimited(await request(a.app).get('/openapi.json'), 4, 60);
    expectLimited(await request(b.app).get('/openapi.json'), 4, 60);
  });

  it('count failed logins on an account together', async () => {
    const env = shared({ LOGIN_FAILURES_PER_HOUR: '2' });
    const [a, b] = [await app(env), await app(env)];
    const victim = await newUser(a.app);
    const attempt = (t: TestApp, password: string) =>
      request(t.app).post('/v1/auth/token').send({ username: victim.input.username, password });
    expect((await attempt(a, 'wrong one')).status).toBe(401);
    expect((await attempt(b, 'wrong two')).status).toBe(401);
    expect((await attempt(a, victim.input.password)).status).toBe(429);
  });

  it('honour a logout made on the other instance at once', async () => {
    const [a, b] = [await app(shared()), await app(shared())];
    const user = await newUser(a.app);
    expect((await request(b.app).get('/v1/users/me').set('Authorization', user.bearer)).status).toBe(200);
    expect((await request(b.app).post('/v1/auth/logout').set('Authorization', user.bearer)).status).toBe(204);
    expectProblem(await request(a.app).get('/v1/users/me').set('Authorization', user.bearer), 401);
  });
});
