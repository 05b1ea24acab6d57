import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { userCreate } from '../factories/user.factory';
import { expectProblem } from '../support/problem';

/**
 * X-Forwarded-For is the client's to write. With TRUST_PROXY=true express
 * takes its first entry as the client's address, whatever it says.
 */
const FORGED = '<img src=x onerror=alert(1)>';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { TRUST_PROXY: 'true' } });
});
afterAll(() => t.close());

async function loginFrom(forwardedFor: string) {
  const input = userCreate();
  await request(t.app).post('/v1/users').set('X-Forwarded-For', '192.0.2.1').send(input).expect(201);
  const res = await request(t.app)
    .post('/v1/auth/token')
    .set('X-Forwarded-For', forwardedFor)
    .send({ username: input.username, password: input.password })
    .expect(200);
  const sessions = await request(t.app)
    .get('/v1/users/me/sessions')
    .set('X-Forwarded-For', '192.0.2.1')
    .set('authorization', `Bearer ${res.body.access_token as string}`)
    .expect(200);
  const audit = t.logs.entries.find(
    (e) => e.audit === 'login.succeeded' && e.request_id === res.headers['x-request-id'],
  );
  return { session: (sessions.body as { items: { ip: string | null }[] }).items[0], audit };
}

describe('the client address', () => {
  it('is not stored or logged when the forwarded value is not an IP address', async () => {
    const { session, audit } = await loginFrom(FORGED);
    expect(session?.ip).toBeNull();
    expect(audit).toMatchObject({ ip: null });
    expect(t.logs.lines.filter((line) => line.includes('onerror'))).toEqual([]);
  });

  it('is the forwarded one when it is an IP address', async () => {
    const { session, audit } = await loginFrom('203.0.113.7');
    expect(session?.ip).toBe('203.0.113.7');
    expect(audit).toMatchObject({ ip: '203.0.113.7' });
  });

  it('is counted by the connection when the forwarded value is not an IP address', async () => {
    const limited = await startTestApp({ env: { TRUST_PROXY: 'true', RATE_LIMIT_PER_IP: '3/1m' } });
    try {
      const from = (forwardedFor: string) =>
        request(limited.app).get('/openapi.json').set('X-Forwarded-For', forwardedFor);
      for (let i = 0; i < 3; i++) expect((await from(`not-an-address-${i}`)).status).toBe(200);
      expectProblem(await from(FORGED), 429);
      expect((await from('198.51.100.9')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
