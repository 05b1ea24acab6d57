import { createHmac, createPublicKey } from 'node:crypto';
import argon2 from 'argon2';
import { createLocalJWKSet, jwtVerify } from 'jose';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { CREDENTIAL_REPOSITORY, UNIT_OF_WORK } from '../../src/container.tokens';
import { ARGON2_OPTIONS } from '../../src/core/security';
import type { UnitOfWork } from '../../src/core/unit-of-work';
import { RefreshTokenEntity } from '../../src/db/entities/refresh-token.entity';
import type { CredentialRepository } from '../../src/repositories/user.repository';
import { SigningKeyService } from '../../src/services/signing-key.service';
import { startTestApp, type TestApp } from '../support/app';
import { handledSecrets, login, newAdmin, newUser, refresh } from '../support/auth';
import { expectProblem } from '../support/problem';

/** On PostgreSQL, several connections, so that concurrent refreshes really race for the row lock. */
const POOL = process.env.DATABASE_URL ? { DB_POOL_MAX: '8' } : {};

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: POOL });
});
afterAll(() => t.close());

const me = (bearer: string) => request(t.app).get('/v1/users/me').set('authorization', bearer);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('POST /v1/auth/token', () => {
  it('logs in by username or by email in any case, with no-store', async () => {
    const { input } = await newUser(t.app);
    for (const name of [input.username, input.email.toUpperCase()]) {
      const res = await request(t.app).post('/v1/auth/token').send({ username: name, password: input.password });
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 600,
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
    }
  });

  it('answers a wrong password, an unknown user and an inactive user with the same 401', async () => {
    const active = await newUser(t.app);
    const inactive = await newUser(t.app);
    const admin = await newAdmin(t);
    await request(t.app)
      .patch(`/v1/users/${inactive.user.id}`)
      .set('authorization', admin.bearer)
      .send({ is_active: false })
      .expect(200);

    const attempts = [
      { username: active.input.username, password: 'not the password' },
      { username: 'nobody_by_this_name', password: 'whatever password' },
      { username: inactive.input.username, password: inactive.input.password },
    ];
    const bodies = [];
    for (const attempt of attempts) {
      handledSecrets.add(attempt.password);
      const res = await request(t.app).post('/v1/auth/token').send(attempt);
      const problem = expectProblem(res, 401);
      bodies.push({ ...problem, request_id: undefined });
    }
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
  });

  it('re-hashes a password stored with older parameters on login', async () => {
    const { input, user } = await newUser(t.app);
    const weak = await argon2.hash(input.password, { type: argon2.argon2id, memoryCost: 4096, timeCost: 1 });
    const credentials = t.container.resolve<CredentialRepository>(CREDENTIAL_REPOSITORY);
    const uow = t.container.resolve<UnitOfWork>(UNIT_OF_WORK);
    await uow.run(() => credentials.setPasswordHash(user.id, weak));

    await login(t.app, input.username, input.password);
    const stored = await uow.run(() => credentials.getPasswordHash(user.id));
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  });

  describe('a password typed with composed or decomposed accents is the same password', () => {
    const composed = 'caf\u00e9 cr\u00e8me br\u00fbl\u00e9e';
    const decomposed = composed.normalize('NFD');
    const credentials = () => t.container.resolve<CredentialRepository>(CREDENTIAL_REPOSITORY);
    const uow = () => t.container.resolve<UnitOfWork>(UNIT_OF_WORK);
    const storedHash = (id: string) => uow().run(() => credentials().getPasswordHash(id));

    it('signs up with one form and logs in with the other', async () => {
      const { input } = await newUser(t.app, { password: decomposed });
      await login(t.app, input.username, composed);
      await login(t.app, input.username, decomposed);
    });

    it.each([
      ['decomposed', decomposed, composed],
      ['composed', composed, decomposed],
    ])(
      'a hash made before normalisation of the raw form, then logged in with %s first: both forms work, and the hash becomes one of the normalised form',
      async (_first, firstForm, secondForm) => {
        const { input, user } = await newUser(t.app);
        const legacy = await argon2.hash(decomposed, ARGON2_OPTIONS); // today's parameters: only the form is old
        await uow().run(() => credentials().setPasswordHash(user.id, legacy));

        await login(t.app, input.username, firstForm);
        const rehashed = await storedHash(user.id);
        expect(rehashed).not.toBe(legacy);
        expect(await argon2.verify(rehashed!, composed.normalize('NFKC'))).toBe(true);
        await login(t.app, input.username, secondForm);
        expect(await storedHash(user.id)).toBe(rehashed);
      },
    );
  });
});

describe('access tokens', () => {
  it('verify with nothing but the published JWKS, carrying the documented claims', async () => {
    const { tokens, user } = await newUser(t.app);
    const jwks = await request(t.app).get('/.well-known/jwks.json').expect(200);
    expect(jwks.headers['cache-control']).toMatch(/max-age=\d+/);
    for (const key of jwks.body.keys) expect(key).not.toHaveProperty('d');

    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, createLocalJWKSet(jwks.body), {
      issuer: 'gatehouse',
      audience: 'gatehouse',
      algorithms: ['ES256'],
    });
    expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'JWT', kid: expect.any(String) });
    expect(payload).toEqual({
      iss: 'gatehouse',
      aud: 'gatehouse',
      sub: user.id,
      sid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      roles: ['user'],
      amr: ['pwd'],
      auth_time: expect.any(Number),
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.any(String),
    });
    expect(payload.exp! - payload.iat!).toBe(600);
    // The login opened the session just before this token was signed.
    expect(payload.iat! - (payload.auth_time as number)).toBeLessThanOrEqual(1);
  });

  describe('refused with 401', () => {
    let victim: Awaited<ReturnType<typeof newUser>>;
    let claims: Record<string, unknown>;
    let kid: string;
    let sign: (payload: object, options?: jwt.SignOptions) => string;
    beforeAll(async () => {
      victim = await newUser(t.app);
      claims = jwt.decode(victim.tokens.access_token) as Record<string, unknown>;
      const key = await t.container.resolve(SigningKeyService).signingKey();
      kid = key.kid;
      sign = (payload, options = {}) =>
        jwt.sign(payload, key.privateKey, { algorithm: 'ES256', keyid: kid, ...options });
    });
    const base = () => {
      const { iat: _iat, exp: _exp, ...rest } = claims;
      return rest;
    };

    it.each([
      ['no token', () => undefined],
      ['a malformed header', () => 'Token abc'],
      ['garbage', () => 'Bearer not.a.jwt'],
    ])('%s', async (_name, header) => {
      const req = request(t.app).get('/v1/users/me');
      const value = header();
      const res = value ? await req.set('authorization', value) : await req;
      expectProblem(res, 401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    });

    it('a tampered payload', async () => {
      const [h, , s] = victim.tokens.access_token.split('.');
      const forged = `${h}.${b64({ ...claims, roles: ['admin'] })}.${s}`;
      expectProblem(await me(`Bearer ${forged}`), 401);
    });

    it('an expired token', async () => {
      const expired = sign({
        ...base(),
        iat: Math.floor(Date.now() / 1000) - 3600,
        exp: Math.floor(Date.now() / 1000) - 60,
      });
      expectProblem(await me(`Bearer ${expired}`), 401);
    });

    it('alg: none', async () => {
      const none = `${b64({ alg: 'none', typ: 'JWT', kid })}.${b64(claims)}.`;
      expectProblem(await me(`Bearer ${none}`), 401);
    });

    it('HS256 signed with the public key (algorithm substitution)', async () => {
      const jwks = (await request(t.app).get('/.well-known/jwks.json')).body;
      const jwk = jwks.keys.find((k: { kid: string }) => k.kid === kid);
      const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      const head = `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${b64(claims)}`;
      const mac = createHmac('sha256', pem).update(head).digest('base64url');
      expectProblem(await me(`Bearer ${head}.${mac}`), 401);
    });

    it('a wrong audience or issuer', async () => {
      expectProblem(await me(`Bearer ${sign({ ...base(), aud: 'another-service' }, { expiresIn: 60 })}`), 401);
      expectProblem(await me(`Bearer ${sign({ ...base(), iss: 'someone-else' }, { expiresIn: 60 })}`), 401);
      // and the same claims with ours pass, so the two above failed for their aud and iss alone
      expect((await me(`Bearer ${sign(base(), { expiresIn: 60 })}`)).status).toBe(200);
    });

    it('correctly signed with the current key but without exp (it would never expire)', async () => {
      const forever = sign(base());
      expect(jwt.decode(forever)).not.toHaveProperty('exp');
      expectProblem(await me(`Bearer ${forever}`), 401);
      // nor on a second try, when a verified token would skip the signature check
      expectProblem(await me(`Bearer ${forever}`), 401);
    });

    it('correctly signed but with impossible times: no iat, iat ahead of now, or a lifetime past ACCESS_TOKEN_TTL_S', async () => {
      const now = Math.floor(Date.now() / 1000);
      expectProblem(await me(`Bearer ${sign(base(), { noTimestamp: true, expiresIn: 60 })}`), 401);
      expectProblem(await me(`Bearer ${sign({ ...base(), iat: now + 3600, exp: now + 3660 })}`), 401);
      expectProblem(await me(`Bearer ${sign({ ...base(), iat: now, exp: now + 10 * 365 * 86_400 })}`), 401);
      // the same claims with ordinary times pass
      expect((await me(`Bearer ${sign({ ...base(), iat: now, exp: now + 600 })}`)).status).toBe(200);
    });

    it('an unknown kid', async () => {
      const key = await t.container.resolve(SigningKeyService).signingKey();
      const unknown = jwt.sign(base(), key.privateKey, { algorithm: 'ES256', keyid: 'no-such-key', expiresIn: 60 });
      expectProblem(await me(`Bearer ${unknown}`), 401);
    });
  });
});

describe('POST /v1/auth/refresh', () => {
  it('rotates: a new pair, and the old refresh token stops working', async () => {
    const { tokens } = await newUser(t.app);
    const first = await refresh(t.app, tokens.refresh_token);
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body.refresh_token).not.toBe(tokens.refresh_token);
    expect((await me(`Bearer ${first.body.access_token}`)).status).toBe(200);
    const second = await refresh(t.app, first.body.refresh_token);
    expect(second.status).toBe(200);
  });

  it('refuses an unknown refresh token with 401', async () => {
    expectProblem(await refresh(t.app, 'x'.repeat(43)), 401);
  });

  it('answers a retry within the grace window with the same successor', async () => {
    const { tokens } = await newUser(t.app);
    const first = await refresh(t.app, tokens.refresh_token);
    const retry = await refresh(t.app, tokens.refresh_token);
    expect(retry.status).toBe(200);
    expect(retry.body.refresh_token).toBe(first.body.refresh_token);
    expect((await refresh(t.app, first.body.refresh_token)).status).toBe(200);
  });

  it('rotates exactly once under 20 concurrent refreshes of one token', async () => {
    const { tokens } = await newUser(t.app);
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(t.app, tokens.refresh_token)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(results.map((r) => r.body.refresh_token)).size).toBe(1);

    const sid = (jwt.decode(tokens.access_token) as { sid: string }).sid;
    const rows = await t.database.orm.em.fork().find(RefreshTokenEntity, { session: sid });
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.usedAt === null)).toHaveLength(1);
  });

  describe('with no grace window', () => {
    let strict: TestApp;
    beforeAll(async () => {
      strict = await startTestApp({ env: { ...POOL, REFRESH_GRACE_S: '0' } });
    });
    afterAll(() => strict.close());

    it('treats a rotated token presented again as reuse: the whole session ends', async () => {
      const { tokens } = await newUser(strict.app);
      const rotated = await refresh(strict.app, tokens.refresh_token);
      expect(rotated.status).toBe(200);
      await new Promise((r) => setTimeout(r, 20));

      expectProblem(await refresh(strict.app, tokens.refresh_token), 401);
      // the session is gone: its newest refresh token and its access tokens too
      expectProblem(await refresh(strict.app, rotated.body.refresh_token), 401);
      const access = `Bearer ${rotated.body.access_token}`;
      expectProblem(await request(strict.app).get('/v1/users/me').set('authorization', access), 401);
      expect(strict.logs.entries.some((e) => e.audit === 'refresh.reuse_detected')).toBe(true);
    });

    it('still rotates exactly once under concurrent presentations, never a 500', async () => {
      const { tokens } = await newUser(strict.app);
      const results = await Promise.all(Array.from({ length: 20 }, () => refresh(strict.app, tokens.refresh_token)));
      const statuses = results.map((r) => r.status);
      expect(statuses.every((s) => s === 200 || s === 401)).toBe(true);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
      const sid = (jwt.decode(tokens.access_token) as { sid: string }).sid;
      const rows = await strict.database.orm.em.fork().find(RefreshTokenEntity, { session: sid });
      expect(rows).toHaveLength(2);
    });
  });
});

describe('revocation takes effect on the next request', () => {
  it('costs one primary-key lookup per authenticated request', async () => {
    const { bearer } = await newUser(t.app);
    await me(bearer); // signing keys are cached after the first use
    // Every statement, through knex or not, is a query of one of the pool's node-postgres connections.
    const { pool } = t.database.orm.em.getConnection().getKnex().client as { pool: TarnPool };
    const spies = [...pool.free, ...pool.used].map(({ resource }) => jest.spyOn(resource, 'query'));
    expect(spies.length).toBeGreaterThan(0);
    let statements: string[];
    try {
      await me(bearer).expect(200);
      statements = spies
        .flatMap((spy) => spy.mock.calls)
        .map(([q]) => (typeof q === 'string' ? q : (q as { text: string }).text));
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
    // the session check, whose row is the caller's user: /me needs nothing more. Its values are
    // bound apart from the text, never inlined.
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/from sessions s join users u on u\.id = s\.user_id\s+where s\.id = \$1 /);
  });

  it('logout ends the session: its access and refresh tokens are refused', async () => {
    const { bearer, tokens } = await newUser(t.app);
    await request(t.app).post('/v1/auth/logout').set('authorization', bearer).expect(204);
    expectProblem(await me(bearer), 401);
    expectProblem(await refresh(t.app, tokens.refresh_token), 401);
    expectProblem(await request(t.app).post('/v1/auth/logout').set('authorization', bearer), 401);
  });

  it('lists live sessions and ends one of them', async () => {
    const { input, bearer } = await newUser(t.app);
    const other = await login(t.app, input.username, input.password);
    const list = await request(t.app).get('/v1/users/me/sessions').set('authorization', bearer).expect(200);
    expect(list.body.items).toHaveLength(2);
    expect(list.body.items.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    const otherSid = (jwt.decode(other.access_token) as { sid: string }).sid;

    await request(t.app).delete(`/v1/users/me/sessions/${otherSid}`).set('authorization', bearer).expect(204);
    expectProblem(await me(`Bearer ${other.access_token}`), 401);
    expect((await me(bearer)).status).toBe(200);
    const after = await request(t.app).get('/v1/users/me/sessions').set('authorization', bearer).expect(200);
    expect(after.body.items.map((s: { id: string }) => s.id)).not.toContain(otherSid);
  });

  it("answers 404 for another user's session and leaves it alone", async () => {
    const alice = await newUser(t.app);
    const bob = await newUser(t.app);
    const bobSid = (jwt.decode(bob.tokens.access_token) as { sid: string }).sid;
    expectProblem(
      await request(t.app).delete(`/v1/users/me/sessions/${bobSid}`).set('authorization', alice.bearer),
      404,
    );
    expect((await me(bob.bearer)).status).toBe(200);
  });

  it('a password change ends every other session, keeps this one, and swaps the password', async () => {
    const { input, bearer } = await newUser(t.app);
    const other = await login(t.app, input.username, input.password);
    await request(t.app)
      .put('/v1/users/me/password')
      .set('authorization', bearer)
      .send({ current_password: input.password, new_password: 'a brand new password' })
      .expect(204);
    expectProblem(await me(`Bearer ${other.access_token}`), 401);
    expectProblem(await refresh(t.app, other.refresh_token), 401);
    expect((await me(bearer)).status).toBe(200);
    expectProblem(
      await request(t.app).post('/v1/auth/token').send({ username: input.username, password: input.password }),
      401,
    );
    await login(t.app, input.username, 'a brand new password');
  });

  it.each([
    ['a guessable', 'password1234', 'guessable'],
    ['a repeated-character', 'aaaaaaaaaaaa', 'repeated_character'],
    ['an all-whitespace', ' '.repeat(12), 'whitespace'],
    ['the username as', null, 'username'],
  ])('%s new password is 422 naming the rule, and changes nothing', async (_name, weak, rule) => {
    const { input, bearer } = await newUser(t.app);
    const other = await login(t.app, input.username, input.password);
    const newPassword = weak ?? input.username;
    const res = await request(t.app)
      .put('/v1/users/me/password')
      .set('authorization', bearer)
      .send({ current_password: input.password, new_password: newPassword });
    const problem = expectProblem(res, 422);
    expect(problem).toMatchObject({ type: 'urn:gatehouse:problem:weak_password', rule });
    expect(problem.errors).toEqual([{ path: '/body/new_password', message: expect.any(String) }]);
    expect(res.text).not.toContain(newPassword);
    expect((await me(`Bearer ${other.access_token}`)).status).toBe(200);
    await login(t.app, input.username, input.password);
  });

  it('a wrong current password is 403 and changes nothing', async () => {
    const { input, bearer } = await newUser(t.app);
    const other = await login(t.app, input.username, input.password);
    const res = await request(t.app)
      .put('/v1/users/me/password')
      .set('authorization', bearer)
      .send({ current_password: 'not it at all', new_password: 'a brand new password' });
    expectProblem(res, 403);
    expect((await me(`Bearer ${other.access_token}`)).status).toBe(200);
    await login(t.app, input.username, input.password);
  });

  it('deactivation and deletion end every session of the user', async () => {
    const admin = await newAdmin(t);
    const deactivated = await newUser(t.app);
    const deleted = await newUser(t.app);
    await request(t.app)
      .patch(`/v1/users/${deactivated.user.id}`)
      .set('authorization', admin.bearer)
      .send({ is_active: false })
      .expect(200);
    expectProblem(await me(deactivated.bearer), 401);
    expectProblem(await refresh(t.app, deactivated.tokens.refresh_token), 401);

    await request(t.app).delete(`/v1/users/${deleted.user.id}`).set('authorization', admin.bearer).expect(204);
    expectProblem(await me(deleted.bearer), 401);
    expectProblem(await refresh(t.app, deleted.tokens.refresh_token), 401);
  });
});

describe('logs', () => {
  // Runs last: everything above logged in, refreshed, failed and revoked.
  it('never hold a password, a token or a hash', () => {
    const log = t.logs.lines.join('\n');
    expect(t.logs.lines.length).toBeGreaterThan(50);
    expect(handledSecrets.size).toBeGreaterThan(50);
    const leaked = [...handledSecrets].filter((secret) => log.includes(secret));
    expect(leaked).toEqual([]);
    expect(log).not.toMatch(/\$argon2/);
  });
});

/** The part of knex's pool this file looks into: its pooled connections. */
interface TarnPool {
  free: { resource: { query: (query: unknown) => unknown } }[];
  used: { resource: { query: (query: unknown) => unknown } }[];
}
