import request from 'supertest';
import { UserEntity } from '../../src/db/entities/user.entity';
import { userCreate } from '../factories/user.factory';
import { startTestApp, type TestApp } from '../support/app';
import { expectProblem } from '../support/problem';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const signUp = (body: unknown) =>
  request(t.app)
    .post('/v1/users')
    .send(body as object);

describe('POST /v1/users', () => {
  it('creates a user: 201, Location, the User shape, and no password or hash anywhere', async () => {
    const input = userCreate({ full_name: 'Ada Lovelace' });
    const res = await signUp(input).expect(201);

    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      username: input.username,
      email: input.email,
      full_name: 'Ada Lovelace',
      roles: ['user'],
      is_active: true,
      mfa_enabled: false,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(res.headers.location).toBe(`/v1/users/${res.body.id}`);
    expect(res.text).not.toContain(input.password);
    expect(res.text).not.toContain('argon2');
    expect(t.logs.lines.join('\n')).not.toContain(input.password);

    const em = t.database.orm.em.fork();
    const stored = await em.findOneOrFail(UserEntity, { id: res.body.id }, { populate: ['passwordHash'] });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(stored.username).toBe(input.username);
  });

  it('stores full_name as null when it is left out', async () => {
    const { full_name: _omit, ...input } = userCreate();
    const res = await signUp(input).expect(201);
    expect(res.body.full_name).toBeNull();
  });

  it.each([
    ['username', (u: string) => u.toUpperCase()],
    ['email', (e: string) => e.toUpperCase()],
  ] as const)('refuses a duplicate %s in any case with 409 naming the field', async (field, recase) => {
    const first = userCreate();
    await signUp(first).expect(201);
    const second = userCreate({ [field]: recase(first[field]) });
    const problem = expectProblem(await signUp(second), 409);
    expect(problem.detail).toContain(field);
  });

  it('writes nothing when the user conflicts', async () => {
    const first = userCreate();
    await signUp(first).expect(201);
    const clash = userCreate({ username: first.username });
    await signUp(clash).expect(409);
    const count = await t.database.orm.em.fork().count(UserEntity, { email: clash.email });
    expect(count).toBe(0);
  });

  it('reports every invalid field at once with 400 and errors[]', async () => {
    const problem = expectProblem(
      await signUp({ username: 'a!', email: 'not-an-email', password: 'short', roles: ['admin'] }),
      400,
    );
    const paths = problem.errors?.map((e) => e.path).sort();
    expect(paths).toEqual(['/body/email', '/body/password', '/body/roles', '/body/username', '/body/username']);
    for (const error of problem.errors ?? []) expect(error.message).toEqual(expect.any(String));
  });

  it.each([
    ['a missing field', { username: 'abc', email: 'abc@example.com' }, '/body/password'],
    ['a too long username', userCreate({ username: 'x'.repeat(33) }), '/body/username'],
    ['a too long password', userCreate({ password: 'x'.repeat(129) }), '/body/password'],
    ['a wrong type', userCreate({ username: 42 as unknown as string }), '/body/username'],
    ['an empty full_name', userCreate({ full_name: '' }), '/body/full_name'],
  ])('refuses %s with 400', async (_name, body, path) => {
    const problem = expectProblem(await signUp(body), 400);
    expect(problem.errors?.map((e) => e.path)).toContain(path);
  });

  it('refuses a body that is not an object with 400', async () => {
    expectProblem(await request(t.app).post('/v1/users').set('content-type', 'application/json').send('[1,2]'), 400);
    expectProblem(await request(t.app).post('/v1/users').set('content-type', 'application/json').send('"x"'), 400);
  });

  it('refuses malformed JSON with 400', async () => {
    const res = await request(t.app).post('/v1/users').set('content-type', 'application/json').send('{"username":');
    expect(expectProblem(res, 400).detail).toMatch(/not valid JSON/);
  });

  it('reads a key given twice as its last value, and validates that one (as documented)', async () => {
    const input = userCreate();
    // `{"username":first,"username":last,...}`
    const twice = (first: string, last: string) =>
      `{"username":${JSON.stringify(first)},${JSON.stringify({ ...input, username: last }).slice(1)}`;
    const refused = await request(t.app)
      .post('/v1/users')
      .set('content-type', 'application/json')
      .send(twice(input.username, 'x'));
    expect(expectProblem(refused, 400).errors?.[0]?.path).toMatch(/username/);
    const created = await request(t.app)
      .post('/v1/users')
      .set('content-type', 'application/json')
      .send(twice('x', input.username));
    expect(created.status).toBe(201);
    expect(created.body.username).toBe(input.username);
  });

  it('refuses a body over the limit with 413', async () => {
    const huge = JSON.stringify({ ...userCreate(), full_name: 'x'.repeat(3 * 1024 * 1024) });
    expectProblem(await request(t.app).post('/v1/users').set('content-type', 'application/json').send(huge), 413);
  });

  it('refuses text/plain with 415', async () => {
    const res = await request(t.app).post('/v1/users').set('content-type', 'text/plain').send('hello');
    expectProblem(res, 415);
  });

  it('refuses a missing body with 415 or 400, never 500', async () => {
    const res = await request(t.app).post('/v1/users');
    expect([400, 415]).toContain(res.status);
    expectProblem(res, res.status);
  });
});

describe('POST /v1/users password policy', () => {
  it.each([
    ['a common password with digits', 'password1234', 'guessable'],
    ['one character repeated', 'aaaaaaaaaaaa', 'repeated_character'],
    ['only whitespace', ' '.repeat(12), 'whitespace'],
    ['the username', 'ada_lovelace_1815', 'username'],
    ['the username in another case', 'Ada_Lovelace_1815', 'username'],
    ['the local part of the email', 'lovelace.ada!', 'email'],
    ['a top breached password', '1qaz2wsx3edc', 'common'],
  ])('refuses %s with 422 naming the rule and not the password, and creates nothing', async (_n, password, rule) => {
    const tag = Math.random().toString(36).slice(2, 8);
    const input = userCreate({ username: 'ada_lovelace_1815', email: `lovelace.ada@${tag}.example.com`, password });
    const res = await signUp(input);
    const problem = expectProblem(res, 422);
    expect(problem).toMatchObject({ type: 'urn:gatehouse:problem:weak_password', rule });
    expect(problem.errors).toEqual([{ path: '/body/password', message: expect.any(String) }]);
    expect(res.text).not.toContain(password);
    const count = await t.database.orm.em.fork().count(UserEntity, { email: input.email });
    expect(count).toBe(0);
  });

  it.each([
    ['the spec example passphrase', 'correct horse battery staple'],
    ['a random string', 'x7Kq9mZ2pL4w'],
    ['accented words', 'café crème brûlée'],
  ])('accepts %s', async (_name, password) => {
    await signUp(userCreate({ password })).expect(201);
  });

  it('judges the password after NFKC normalisation: full-width characters are no disguise', async () => {
    const problem = expectProblem(await signUp(userCreate({ password: 'ｐａｓｓｗｏｒｄ１２３４' })), 422);
    expect(problem.rule).toBe('guessable');
  });
});

describe('POST /v1/users with registration closed', () => {
  let closed: TestApp;
  beforeAll(async () => {
    closed = await startTestApp({ env: { REGISTRATION_OPEN: 'false' } });
  });
  afterAll(() => closed.close());

  it('answers 403 and creates nothing', async () => {
    const input = userCreate();
    const problem = expectProblem(await request(closed.app).post('/v1/users').send(input), 403);
    expect(problem.detail).toMatch(/closed/);
    expect(await closed.database.orm.em.fork().count(UserEntity, { username: input.username })).toBe(0);
  });
});

describe('body limit setting', () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await startTestApp({ env: { BODY_LIMIT: '100b' } });
  });
  afterAll(() => small.close());

  it('applies BODY_LIMIT', async () => {
    expectProblem(
      await request(small.app)
        .post('/v1/users')
        .send(userCreate({ full_name: 'x'.repeat(200) })),
      413,
    );
  });
});
