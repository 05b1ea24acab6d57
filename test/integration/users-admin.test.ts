import request from 'supertest';
import { ensureConfiguredAdmin } from '../../src/bootstrap';
import { loadConfig } from '../../src/core/config';
import { StartupError } from '../../src/core/startup';
import { UserEntity } from '../../src/db/entities/user.entity';
import { startTestApp, TEST_MASTER_KEY, type TestApp } from '../support/app';
import { login, newAdmin, newUser, type LoggedIn } from '../support/auth';
import { expectProblem } from '../support/problem';
import { testDatabaseUrl } from '../support/test-database';

let t: TestApp;
let admin: LoggedIn;
beforeAll(async () => {
  t = await startTestApp();
  admin = await newAdmin(t);
});
afterAll(() => t.close());

describe('/v1/users/me', () => {
  it('reads and changes the caller', async () => {
    const { bearer, user, input } = await newUser(t.app);
    const got = await request(t.app).get('/v1/users/me').set('authorization', bearer).expect(200);
    expect(got.body).toEqual(user);

    const changed = await request(t.app)
      .patch('/v1/users/me')
      .set('authorization', bearer)
      .send({ full_name: 'New Name', username: `${user.username}_2`, current_password: input.password })
      .expect(200);
    expect(changed.body).toMatchObject({ full_name: 'New Name', username: `${user.username}_2`, email: user.email });
    expect(Date.parse(changed.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(user.updated_at));
    const cleared = await request(t.app).patch('/v1/users/me').set('authorization', bearer).send({ full_name: null });
    expect(cleared.body.full_name).toBeNull();
  });

  it.each([{ roles: ['admin'] }, { is_active: false }, { password: 'sneaky new password' }])(
    'refuses %j with 400 and changes nothing',
    async (body) => {
      const { bearer, user } = await newUser(t.app);
      const problem = expectProblem(
        await request(t.app).patch('/v1/users/me').set('authorization', bearer).send(body),
        400,
      );
      expect(problem.errors?.[0]?.path).toBe(`/body/${Object.keys(body)[0]}`);
      const after = await request(t.app).get('/v1/users/me').set('authorization', bearer);
      expect(after.body).toEqual(user);
    },
  );

  it('refuses an email another user has, in any case, with 409', async () => {
    const alice = await newUser(t.app);
    const bob = await newUser(t.app);
    const res = await request(t.app)
      .patch('/v1/users/me')
      .set('authorization', bob.bearer)
      .send({ email: alice.input.email.toUpperCase(), current_password: bob.input.password });
    expect(expectProblem(res, 409).detail).toContain('email');
  });

  describe('a new email or username needs the current password', () => {
    // Finding: PATCH /v1/users/me changed the email with a bare access token, and its 409/200
    // answers told whether an address had an account at 600 requests a minute.
    it.each([
      ['without current_password', {}, 400],
      ['with a wrong one', { current_password: 'not my password' }, 403],
    ])('refuses a change %s and changes nothing', async (_how, extra, status) => {
      const { bearer, user } = await newUser(t.app);
      for (const change of [{ email: `new_${user.email}` }, { username: `${user.username}_x` }]) {
        const res = await request(t.app)
          .patch('/v1/users/me')
          .set('authorization', bearer)
          .send({ ...change, ...extra });
        expectProblem(res, status);
      }
      expect((await request(t.app).get('/v1/users/me').set('authorization', bearer)).body).toEqual(user);
    });

    it('audits the change once it is made, without the names', async () => {
      const { bearer, user, input } = await newUser(t.app);
      await request(t.app)
        .patch('/v1/users/me')
        .set('authorization', bearer)
        .send({ email: `new_${user.email}`, current_password: input.password })
        .expect(200);
      const events = t.logs.entries.filter((e) => e.audit === 'user.login_changed' && e.subject_id === user.id);
      expect(events).toEqual([expect.objectContaining({ actor_id: user.id, fields: ['email'] })]);
      expect(JSON.stringify(events)).not.toContain(user.email);
    });

    it('shares the sign-up limit per address, so taken names cannot be probed faster', async () => {
      const limited = await startTestApp({ env: { RATE_LIMIT_SIGNUP_PER_IP: '2/1h' } });
      try {
        const { bearer, input } = await newUser(limited.app); // one sign-up
        const change = (email: string) =>
          request(limited.app)
            .patch('/v1/users/me')
            .set('authorization', bearer)
            .send({ email, current_password: input.password });
        expect((await change(`a_${input.email}`)).status).toBe(200);
        const res = await change(`b_${input.email}`);
        expectProblem(res, 429);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(3_000);
        // a change of the full name alone is not counted
        await request(limited.app)
          .patch('/v1/users/me')
          .set('authorization', bearer)
          .send({ full_name: 'X' })
          .expect(200);
      } finally {
        await limited.close();
      }
    });
  });

  it('asks for a token before looking at the body', async () => {
    expectProblem(
      await request(t.app)
        .patch('/v1/users/me')
        .send({ roles: ['admin'] }),
      401,
    );
  });
});

describe('access control (BOLA)', () => {
  let alice: LoggedIn;
  let bob: LoggedIn;
  beforeAll(async () => {
    alice = await newUser(t.app);
    bob = await newUser(t.app);
  });

  it.each([
    ['GET', (id: string) => request(t.app).get(`/v1/users/${id}`)],
    ['PATCH', (id: string) => request(t.app).patch(`/v1/users/${id}`).send({ full_name: 'pwned' })],
    ['DELETE', (id: string) => request(t.app).delete(`/v1/users/${id}`)],
  ])('a user cannot %s another user: 403', async (_method, call) => {
    expectProblem(await call(bob.user.id).set('authorization', alice.bearer), 403);
    const bobNow = await request(t.app).get('/v1/users/me').set('authorization', bob.bearer).expect(200);
    expect(bobNow.body.full_name).toBe(bob.user.full_name);
  });

  it('a user cannot list users: 403; anonymous: 401', async () => {
    expectProblem(await request(t.app).get('/v1/users').set('authorization', alice.bearer), 403);
    expectProblem(await request(t.app).get('/v1/users'), 401);
  });

  it('permission is checked before the input: a non-admin learns nothing from a 400', async () => {
    expectProblem(await request(t.app).get('/v1/users?limit=9999').set('authorization', alice.bearer), 403);
  });
});

describe('admin user management', () => {
  it('reads, changes and deletes a user', async () => {
    const { user } = await newUser(t.app);
    const got = await request(t.app).get(`/v1/users/${user.id}`).set('authorization', admin.bearer).expect(200);
    expect(got.body).toEqual(user);
    const changed = await request(t.app)
      .patch(`/v1/users/${user.id}`)
      .set('authorization', admin.bearer)
      .send({ roles: ['user', 'admin'], full_name: 'Promoted' })
      .expect(200);
    expect(changed.body).toMatchObject({ roles: ['user', 'admin'], full_name: 'Promoted' });
    await request(t.app).delete(`/v1/users/${user.id}`).set('authorization', admin.bearer).expect(204);
    expectProblem(await request(t.app).get(`/v1/users/${user.id}`).set('authorization', admin.bearer), 404);
    expectProblem(await request(t.app).delete(`/v1/users/${user.id}`).set('authorization', admin.bearer), 404);
  });

  it('answers 400 for a malformed id and for an empty roles list', async () => {
    expectProblem(await request(t.app).get('/v1/users/not-a-uuid').set('authorization', admin.bearer), 400);
    const { user } = await newUser(t.app);
    expectProblem(
      await request(t.app).patch(`/v1/users/${user.id}`).set('authorization', admin.bearer).send({ roles: [] }),
      400,
    );
  });

  it('a deactivated user cannot log in; reactivated, they can', async () => {
    const { user, input } = await newUser(t.app);
    const patch = (body: object) =>
      request(t.app).patch(`/v1/users/${user.id}`).set('authorization', admin.bearer).send(body).expect(200);
    await patch({ is_active: false });
    expectProblem(
      await request(t.app).post('/v1/auth/token').send({ username: input.username, password: input.password }),
      401,
    );
    await patch({ is_active: true });
    await request(t.app)
      .post('/v1/auth/token')
      .send({ username: input.username, password: input.password })
      .expect(200);
  });
});

describe('GET /v1/users pagination and filters', () => {
  const list = (query: string) => request(t.app).get(`/v1/users?${query}`).set('authorization', admin.bearer);

  it('walks every user exactly once while others are created between pages', async () => {
    const tag = `pg${Date.now().toString(36)}`;
    const before = [];
    for (let i = 0; i < 7; i++)
      before.push((await newUser(t.app, { username: `${tag}_${i}`, email: `${tag}_${i}@example.com` })).user.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await list(`q=${tag}&limit=3${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
      seen.push(...res.body.items.map((u: { id: string }) => u.id));
      cursor = res.body.next_cursor;
      pages++;
      // someone signs up while the admin pages through
      await newUser(t.app, { username: `${tag}_late${pages}`, email: `${tag}_late${pages}@example.com` });
    } while (cursor && pages < 20);

    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before) expect(seen).toContain(id);
  });

  it('defaults to 20, ends with next_cursor null', async () => {
    const res = await list('limit=100').expect(200);
    expect(res.body.items.length).toBeLessThanOrEqual(100);
    const first = await list('').expect(200);
    expect(first.body.items.length).toBeLessThanOrEqual(20);
    const tag = `solo${Date.now().toString(36)}`;
    await newUser(t.app, { username: tag, email: `${tag}@example.com` });
    const only = await list(`q=${tag}`).expect(200);
    expect(only.body).toEqual({ items: [expect.objectContaining({ username: tag })], next_cursor: null });
  });

  it('filters by q (username or email, any case, literally), role and is_active', async () => {
    const tag = `flt${Date.now().toString(36)}`;
    const a = await newUser(t.app, { username: `${tag}_a`, email: `${tag}_a@example.com` });
    const b = await newUser(t.app, { username: `${tag}_b`, email: `${tag}_b@example.com` });
    await request(t.app)
      .patch(`/v1/users/${b.user.id}`)
      .set('authorization', admin.bearer)
      .send({ is_active: false, roles: ['admin'] });

    const ids = async (q: string) => (await list(q).expect(200)).body.items.map((u: { id: string }) => u.id);
    expect(await ids(`q=${tag.toUpperCase()}`)).toEqual([a.user.id, b.user.id]);
    expect(await ids(`q=${encodeURIComponent(`${tag}_a@example`)}`)).toEqual([a.user.id]);
    expect(await ids(`q=${tag}&is_active=false`)).toEqual([b.user.id]);
    expect(await ids(`q=${tag}&role=admin`)).toEqual([b.user.id]);
    expect(await ids(`q=${tag}&role=user&is_active=true`)).toEqual([a.user.id]);
    expect(await ids(`q=%25`)).toEqual([]); // a literal %, not a wildcard
  });

  it.each(['limit=0', 'limit=101', 'limit=ten', 'role=root', 'is_active=perhaps', 'cursor=bogus', 'sort=name'])(
    'refuses %s with 400',
    async (query) => {
      expectProblem(await list(query), 400);
    },
  );

  it('answers 400 to every cursor it did not issue (a forged one used to reach the database: 500)', async () => {
    const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    await newUser(t.app); // at least two users, so a page of one has a next cursor
    const issued = (await list('limit=1').expect(200)).body.next_cursor as string;
    for (const cursor of [
      forge(['2020-01-01T00:00:00Z', '------------------------------------']),
      forge(['-271821-04-20T00:00:00Z', '0b7c4a52-3f1e-4c8e-9d2a-5b6c7d8e9f01']),
      // The issued cursor's tag before another position.
      Buffer.concat([
        Buffer.from(issued, 'base64url').subarray(0, 16),
        Buffer.from(JSON.stringify(['2020-01-01T00:00:00.000Z', '0b7c4a52-3f1e-4c8e-9d2a-5b6c7d8e9f01'])),
      ]).toString('base64url'),
    ]) {
      const problem = expectProblem(await list(`cursor=${encodeURIComponent(cursor)}`), 400);
      expect(problem.errors).toEqual([{ path: '/query/cursor', message: 'is not a cursor from this API' }]);
    }
    // Another instance with the same MASTER_KEY takes it: the key is shared, not the process's.
    const other = await startTestApp();
    try {
      await request(other.app)
        .get(`/v1/users?limit=1&cursor=${encodeURIComponent(issued)}`)
        .set('authorization', admin.bearer)
        .expect(200);
    } finally {
      await other.close();
    }
  });
});

describe('the last active admin', () => {
  let iso: TestApp;
  beforeAll(async () => {
    iso = await startTestApp({ databaseUrl: testDatabaseUrl('admins') });
  });
  afterAll(() => iso.close());

  it('cannot be demoted, deactivated or deleted; with a second admin, can', async () => {
    const only = await newAdmin(iso);
    const self = (method: 'patch' | 'delete', body?: object) => {
      const req = request(iso.app)[method](`/v1/users/${only.user.id}`).set('authorization', only.bearer);
      return body ? req.send(body) : req;
    };
    expectProblem(await self('patch', { roles: ['user'] }), 409);
    expectProblem(await self('patch', { is_active: false }), 409);
    expectProblem(await self('delete'), 409);
    expect((await self('patch', { full_name: 'Still admin' })).status).toBe(200);

    const second = await newAdmin(iso);
    await request(iso.app)
      .patch(`/v1/users/${only.user.id}`)
      .set('authorization', second.bearer)
      .send({ roles: ['user'] })
      .expect(200);
    expectProblem(
      await request(iso.app).delete(`/v1/users/${second.user.id}`).set('authorization', second.bearer),
      409,
    );
  });
});

describe('the first admin from ADMIN_EMAIL and ADMIN_PASSWORD', () => {
  let iso: TestApp;
  const env = { ADMIN_EMAIL: 'boss@example.com', ADMIN_PASSWORD: 'opening night passphrase' };
  const config = () => loadConfig({ ...env, MASTER_KEY: TEST_MASTER_KEY });
  const startUp = () => ensureConfiguredAdmin(iso.container, config());
  const said = (message: RegExp) => iso.logs.entries.filter((e) => message.test(String(e.message)));
  beforeAll(async () => {
    iso = await startTestApp({ databaseUrl: testDatabaseUrl('admins') });
    // This file's own database: the rule is about the whole table, so it starts with no user at all.
    await iso.database.orm.em.fork().nativeDelete(UserEntity, {});
  });
  afterAll(() => iso.close());

  it('is made only while no admin exists: a deleted admin stays deleted across restarts', async () => {
    await startUp();
    const admin = await login(iso.app, 'admin', env.ADMIN_PASSWORD);
    const bearer = `Bearer ${admin.access_token}`;
    // Another admin takes over and the first one is deleted.
    const other = await newUser(iso.app);
    await request(iso.app)
      .patch(`/v1/users/${other.user.id}`)
      .set('authorization', bearer)
      .send({ roles: ['admin'] })
      .expect(200);
    const adminId = (await request(iso.app).get('/v1/users/me').set('authorization', bearer)).body.id as string;
    await request(iso.app).delete(`/v1/users/${adminId}`).set('authorization', other.bearer).expect(204);

    await startUp();
    expect(said(/ADMIN_EMAIL and ADMIN_PASSWORD ignored: an admin exists already/)).toHaveLength(1);
    expectProblem(
      await request(iso.app).post('/v1/auth/token').send({ username: 'admin', password: env.ADMIN_PASSWORD }),
      401,
    );
  });

  it('never fails start-up when a user holds its email: says which setting collides, and goes on', async () => {
    await iso.database.orm.em.fork().nativeDelete(UserEntity, {});
    await newUser(iso.app, { username: 'someone', email: env.ADMIN_EMAIL });
    await expect(startUp()).resolves.toBeUndefined();
    expect(said(/first admin not created: its email is taken by another user/)).toEqual([
      expect.objectContaining({ level: 'warn', setting: 'ADMIN_EMAIL', username: 'admin' }),
    ]);
    expect(iso.logs.lines.join('\n')).not.toContain(env.ADMIN_PASSWORD);
  });

  it('stops start-up on a password the policy refuses, naming ADMIN_PASSWORD and the rule, and makes no admin', async () => {
    await iso.database.orm.em.fork().nativeDelete(UserEntity, {});
    const weak = loadConfig({ ...env, ADMIN_PASSWORD: 'admin1234567', MASTER_KEY: TEST_MASTER_KEY });
    const error = await ensureConfiguredAdmin(iso.container, weak).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect(error).toMatchObject({
      setting: 'ADMIN_PASSWORD',
      message: expect.stringMatching(/^ADMIN_PASSWORD: .*username/),
    });
    expect((error as Error).message).not.toContain('admin1234567');
    expect(await iso.database.orm.em.fork().count(UserEntity, {})).toBe(0);
  });
});
