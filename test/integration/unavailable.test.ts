import request from 'supertest';
import spec from '../../generated/openapi.json';
import { startTestApp, type TestApp } from '../support/app';
import { expectProblem } from '../support/problem';
import { userCreate } from '../factories/user.factory';

/** An app whose database does not answer (nothing listens there). */
let offline: TestApp;
beforeAll(async () => {
  offline = await startTestApp({
    databaseUrl: 'postgresql://nobody@127.0.0.1:1/none',
    // A threshold above the number of calls: this file is about how each outage error is answered, not the breaker.
    env: { DB_ACQUIRE_TIMEOUT_MS: '500', DB_BREAKER_THRESHOLD: '1000' },
  });
});
afterAll(() => offline.close());

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** Well-formed enough that checking it needs the database (its key is looked up there). */
const bearer = `Bearer ${b64({ alg: 'ES256', typ: 'JWT', kid: 'some-key' })}.${b64({ sub: 'x' })}.${'A'.repeat(86)}`;
const id = '00000000-0000-4000-8000-000000000000';

const calls: Record<string, () => request.Test> = {
  getJwks: () => request(offline.app).get('/.well-known/jwks.json'),
  createToken: () => request(offline.app).post('/v1/auth/token').send({ username: 'ada', password: 'pw' }),
  refreshToken: () =>
    request(offline.app)
      .post('/v1/auth/refresh')
      .send({ refresh_token: 'A'.repeat(43) }),
  logout: () => request(offline.app).post('/v1/auth/logout').set('authorization', bearer),
  createUser: () => request(offline.app).post('/v1/users').send(userCreate()),
  listUsers: () => request(offline.app).get('/v1/users').set('authorization', bearer),
  getMe: () => request(offline.app).get('/v1/users/me').set('authorization', bearer),
  updateMe: () => request(offline.app).patch('/v1/users/me').set('authorization', bearer).send({}),
  changePassword: () =>
    request(offline.app)
      .put('/v1/users/me/password')
      .set('authorization', bearer)
      .send({ current_password: 'x', new_password: 'a long new password' }),
  listMySessions: () => request(offline.app).get('/v1/users/me/sessions').set('authorization', bearer),
  revokeMySession: () => request(offline.app).delete(`/v1/users/me/sessions/${id}`).set('authorization', bearer),
  getUser: () => request(offline.app).get(`/v1/users/${id}`).set('authorization', bearer),
  updateUser: () => request(offline.app).patch(`/v1/users/${id}`).set('authorization', bearer).send({}),
  deleteUser: () => request(offline.app).delete(`/v1/users/${id}`).set('authorization', bearer),
  completeMfaLogin: () =>
    request(offline.app)
      .post('/v1/auth/mfa')
      .send({ mfa_token: 'A'.repeat(43), code: '123456' }),
  startTotpEnrolment: () => request(offline.app).post('/v1/users/me/mfa/totp').set('authorization', bearer),
  confirmTotpEnrolment: () =>
    request(offline.app).post('/v1/users/me/mfa/totp/confirm').set('authorization', bearer).send({ code: '123456' }),
  removeTotp: () =>
    request(offline.app).delete('/v1/users/me/mfa/totp').set('authorization', bearer).send({ current_password: 'x' }),
  replaceRecoveryCodes: () =>
    request(offline.app)
      .post('/v1/users/me/mfa/recovery-codes')
      .set('authorization', bearer)
      .send({ current_password: 'x' }),
};

const documenting503 = Object.values(
  spec.paths as Record<string, Record<string, { operationId?: string; responses?: object }>>,
)
  .flatMap((item) => Object.values(item))
  .filter((op) => op.responses && '503' in op.responses && op.operationId !== 'getReadiness')
  .map((op) => op.operationId!);

describe('with the database unreachable', () => {
  it('covers every operation that documents 503', () => {
    expect(Object.keys(calls).sort()).toEqual([...documenting503].sort());
  });

  it.each(Object.keys(calls))(
    '%s answers 503 with Retry-After, never 500 (nor 401 for a token it could not check)',
    async (op) => {
      const res = await calls[op]!();
      const problem = expectProblem(res, 503);
      expect(res.headers['retry-after']).toBe('2');
      expect(problem.detail).toMatch(/database/);
      expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    },
  );

  it('logs each such request as one warning with the reason, not an error with a stack', () => {
    const failed = offline.logs.entries.filter((e) => String(e.message).startsWith('request failed'));
    expect(failed.length).toBeGreaterThanOrEqual(Object.keys(calls).length);
    for (const entry of failed) {
      expect(entry).toMatchObject({
        level: 'warn',
        message: 'request failed: unavailable',
        reason: expect.any(String),
      });
      expect(JSON.stringify(entry)).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });

  it('/healthz stays 200: it touches nothing', async () => {
    expect((await request(offline.app).get('/healthz')).status).toBe(200);
  });
});

describe('with the database unreachable, the circuit breaker', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      databaseUrl: 'postgresql://nobody@127.0.0.1:1/none',
      env: { DB_ACQUIRE_TIMEOUT_MS: '500', DB_BREAKER_THRESHOLD: '2', DB_BREAKER_HALF_OPEN_MS: '3000' },
    });
  });
  afterAll(() => t.close());

  it('opens after the threshold: then calls fail at once, readiness says so, and metrics count it', async () => {
    for (let i = 0; i < 2; i++) expectProblem(await request(t.app).post('/v1/users').send(userCreate()), 503);

    // Failing at once is told by why the call failed (its log line), not by its latency, which a
    // busy machine skews: the breaker refused it without waiting for a connection.
    const res = await request(t.app).post('/v1/users').send(userCreate());
    expectProblem(res, 503);
    const failure = t.logs.entries.find(
      (e) => e.message === 'request failed: unavailable' && e.request_id === res.headers['x-request-id'],
    );
    expect(failure?.reason).toMatch(/circuit breaker is open/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(2);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(3);

    const ready = expectProblem(await request(t.app).get('/readyz'), 503);
    expect(ready.checks).toMatchObject({ circuit: { status: 'failing', detail: expect.stringMatching(/paused/) } });

    const metrics = (await request(t.app).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^gatehouse_db_circuit_state 2$/m);
    expect(metrics).toMatch(/^gatehouse_db_circuit_openings_total 1$/m);
    expect(t.logs.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/circuit opened/) }),
    );
  });
});
