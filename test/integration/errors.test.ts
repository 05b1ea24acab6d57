import request from 'supertest';
import { USER_REPOSITORY } from '../../src/container.tokens';
import { PreparedStatements } from '../../src/db/prepared';
import { MikroOrmUserRepository } from '../../src/repositories/mikro-orm-user.repository';
import { userCreate } from '../factories/user.factory';
import { startTestApp, type TestApp } from '../support/app';
import { expectProblem } from '../support/problem';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('routing errors', () => {
  it('answers an unknown path with 404', async () => {
    expectProblem(await request(t.app).get('/no/such/thing'), 404);
    expectProblem(await request(t.app).get('/v1/users/and/more'), 404);
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const res = await request(t.app).delete('/healthz');
    expectProblem(res, 405);
    expect(res.headers.allow?.split(', ').sort()).toEqual(['GET', 'HEAD']);
    expect((await request(t.app).put('/v1/users')).status).toBe(405);
  });

  it('refuses unknown query parameters with 400', async () => {
    const problem = expectProblem(await request(t.app).get('/healthz?debug=1'), 400);
    expect(problem.errors?.[0]?.message).toMatch(/debug/);
  });
});

describe('request ids', () => {
  it('echoes a sane X-Request-Id and uses it in the log and the problem', async () => {
    const res = await request(t.app).get('/missing').set('X-Request-Id', 'trace-abc.123');
    expect(res.headers['x-request-id']).toBe('trace-abc.123');
    expect(res.body.request_id).toBe('trace-abc.123');
    const access = t.logs.entries.find((e) => e.message === 'request' && e.request_id === 'trace-abc.123');
    expect(access).toEqual(expect.objectContaining({ method: 'GET', path: '/missing', status: 404 }));
  });

  it('replaces an insane X-Request-Id with its own', async () => {
    const res = await request(t.app).get('/healthz').set('X-Request-Id', 'bad id\twith <stuff>');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['longer than 64 characters', 'a'.repeat(65)],
    ['markup', '<script>alert(1)</script>'],
    ['spaces', 'id with spaces'],
    ['CR/LF-like content', 'id%0d%0aX-Injected:%20yes'],
  ])('replaces an X-Request-Id with %s with its own, in the answer and the log', async (_what, given) => {
    const res = await request(t.app).get('/missing').set('X-Request-Id', given);
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.request_id).toBe(id);
    expect(t.logs.lines.some((line) => line.includes(given))).toBe(false);
  });

  it('keeps a plain X-Request-Id of 64 characters', async () => {
    const given = `${'A1._:-'.repeat(10)}abcd`;
    const res = await request(t.app).get('/healthz').set('X-Request-Id', given);
    expect(res.headers['x-request-id']).toBe(given);
  });

  it('makes one when none is given, different per request', async () => {
    const a = await request(t.app).get('/healthz');
    const b = await request(t.app).get('/healthz');
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it('puts the request id on log lines written while handling the request', async () => {
    const res = await request(t.app).post('/v1/users').send(userCreate()).expect(201);
    const lines = t.logs.entries.filter((e) => e.request_id === res.headers['x-request-id']);
    expect(lines.map((e) => e.message)).toContain('request');
  });
});

describe('unexpected errors', () => {
  let broken: TestApp;
  class FailingUserRepository extends MikroOrmUserRepository {
    override add(): void {
      throw new Error('connection to 10.1.2.3 lost; secret-internal-detail');
    }
  }
  beforeAll(async () => {
    broken = await startTestApp({
      override: (c) =>
        c.register(USER_REPOSITORY, {
          useValue: new FailingUserRepository(t.database.orm.em, new PreparedStatements(t.database)),
        }),
    });
  });
  afterAll(() => broken.close());

  it('answers 500 with a generic detail and the request id; the stack goes only to the log', async () => {
    const res = await request(broken.app).post('/v1/users').send(userCreate());
    const problem = expectProblem(res, 500);
    expect(problem.detail).toMatch(/request id/);
    expect(res.text).not.toContain('secret-internal-detail');
    expect(res.text).not.toContain('at ');

    const logged = broken.logs.entries.find((e) => e.message === 'request failed');
    expect(logged?.request_id).toBe(res.headers['x-request-id']);
    expect(JSON.stringify(logged)).toContain('secret-internal-detail');
    expect(JSON.stringify(logged)).toContain('users.routes');
  });
});
