import request from 'supertest';
import { SigningKeyEntity } from '../../src/db/entities/signing-key.entity';
import { prepareSigningKey } from '../../src/bootstrap';
import { KEY_MISMATCH, SigningKeyService } from '../../src/services/signing-key.service';
import { startTestApp, type TestApp } from '../support/app';
import { login, newUser } from '../support/auth';
import { expectProblem } from '../support/problem';
import { testDatabaseUrl } from '../support/test-database';

/** Every app here shares one database of its own, so retiring keys touches no other test file. */
const start = (env: Record<string, string> = {}) => startTestApp({ databaseUrl: testDatabaseUrl('keys'), env });
const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string;
const jwksKids = async (t: TestApp) =>
  (await request(t.app).get('/.well-known/jwks.json').expect(200)).body.keys.map((k: { kid: string }) => k.kid);

let t: TestApp;
beforeAll(async () => {
  t = await start();
});
afterAll(() => t.close());

describe('signing keys', () => {
  it('stores the private key encrypted, never in the clear', async () => {
    await newUser(t.app);
    const rows = await t.database.orm.em.fork().find(SigningKeyEntity, {}, { populate: ['privateKeyEncrypted'] });
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.privateKeyEncrypted).toMatch(/^v1\./);
      expect(row.privateKeyEncrypted).not.toMatch(/PRIVATE KEY/);
      expect(row.publicJwk).not.toHaveProperty('d');
    }
  });

  it('rotation: the new key signs, tokens of the old one keep working, and both are published', async () => {
    const before = await newUser(t.app);
    const oldKid = kidOf(before.tokens.access_token);
    const newKid = await t.container.resolve(SigningKeyService).rotate();
    expect(newKid).not.toBe(oldKid);

    const after = await newUser(t.app);
    expect(kidOf(after.tokens.access_token)).toBe(newKid);
    expect((await request(t.app).get('/v1/users/me').set('authorization', before.bearer)).status).toBe(200);
    expect(await jwksKids(t)).toEqual(expect.arrayContaining([oldKid, newKid]));

    // another instance sharing the database picks the rotation up and verifies both
    const other = await start();
    try {
      expect((await request(other.app).get('/v1/users/me').set('authorization', before.bearer)).status).toBe(200);
      expect((await request(other.app).get('/v1/users/me').set('authorization', after.bearer)).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('a retired key leaves the JWKS, and its tokens are refused, once its tokens can all have expired', async () => {
    const holder = await newUser(t.app);
    const oldKid = kidOf(holder.tokens.access_token);
    await t.container.resolve(SigningKeyService).rotate();
    // as if the rotation happened long ago
    await t.database.orm.em
      .fork()
      .nativeUpdate(SigningKeyEntity, { kid: oldKid }, { retiredAt: new Date(Date.now() - 3_600_000) });

    const later = await start();
    try {
      expect(await jwksKids(later)).not.toContain(oldKid);
      expectProblem(await request(later.app).get('/v1/users/me').set('authorization', holder.bearer), 401);
    } finally {
      await later.close();
    }
  });

  it('rotates by itself when the signing key is older than KEY_ROTATION_INTERVAL_S', async () => {
    const current = kidOf((await newUser(t.app)).tokens.access_token);
    await t.database.orm.em
      .fork()
      .nativeUpdate(SigningKeyEntity, { kid: current }, { createdAt: new Date(Date.now() - 120_000) });
    const fresh = await start({ KEY_ROTATION_INTERVAL_S: '60' });
    try {
      const signed = kidOf((await newUser(fresh.app)).tokens.access_token);
      expect(signed).not.toBe(current);
      expect(await jwksKids(fresh)).toEqual(expect.arrayContaining([current, signed]));
    } finally {
      await fresh.close();
    }
  });

  it('publishes a key before any token was signed', async () => {
    await t.database.orm.em.fork().nativeDelete(SigningKeyEntity, {});
    const fresh = await start();
    try {
      expect(await jwksKids(fresh)).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });

  it('concurrent first uses across instances make one key, not one each', async () => {
    await t.database.orm.em.fork().nativeDelete(SigningKeyEntity, {});
    const a = await start();
    const b = await start();
    try {
      const [x, y] = await Promise.all([
        a.container.resolve(SigningKeyService).signingKey(),
        b.container.resolve(SigningKeyService).signingKey(),
      ]);
      expect(x.kid).toBe(y.kid);
      expect(await t.database.orm.em.fork().count(SigningKeyEntity, {})).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

/** Another fixed random key (`openssl rand -base64 32`): not TEST_MASTER_KEY. */
const OTHER_MASTER_KEY = 'hIs7zaN1o6NjZgCEth1kA37FFkizdvj43OL0HDbl6xU=';

describe('an instance whose MASTER_KEY is not the one the stored keys were sealed with', () => {
  it('is not ready and says why, answers a login with 503 (never 500), and refuses to rotate', async () => {
    const { input } = await newUser(t.app);
    const other = await start({ MASTER_KEY: OTHER_MASTER_KEY });
    try {
      await prepareSigningKey(other.container);
      expect(other.logs.entries).toContainEqual(
        expect.objectContaining({ level: 'error', message: `not ready: ${KEY_MISMATCH}`, setting: 'MASTER_KEY' }),
      );

      const ready = await request(other.app).get('/readyz');
      expectProblem(ready, 503);
      expect(ready.body.checks.signing_keys).toEqual({ status: 'failing', detail: KEY_MISMATCH });

      for (let i = 0; i < 2; i++) {
        const login = await request(other.app)
          .post('/v1/auth/token')
          .send({ username: input.username, password: input.password });
        expectProblem(login, 503);
        expect(login.headers['retry-after']).toBeDefined();
      }
      // Said once per key, not once per login.
      expect(other.logs.entries.filter((e) => e.message === `not ready: ${KEY_MISMATCH}`)).toHaveLength(1);

      // A key made under the wrong MASTER_KEY would lock the other instances out of signing.
      const kids = await jwksKids(t);
      await expect(other.container.resolve(SigningKeyService).rotate()).rejects.toMatchObject({ code: 'unavailable' });
      expect(await jwksKids(t)).toEqual(kids);

      // The instances with the right key are unaffected.
      await request(t.app).get('/readyz').expect(200);
      await login(t.app, input.username, input.password);
    } finally {
      await other.close();
    }
  });

  it('is found out at its start even when no key existed yet: the first instance to start makes it', async () => {
    await t.database.orm.em.fork().nativeDelete(SigningKeyEntity, {});
    const first = await start();
    const other = await start({ MASTER_KEY: OTHER_MASTER_KEY });
    try {
      await prepareSigningKey(first.container);
      await prepareSigningKey(other.container);
      expect(other.logs.entries).toContainEqual(expect.objectContaining({ message: `not ready: ${KEY_MISMATCH}` }));
      expectProblem(await request(other.app).get('/readyz'), 503);
      await request(first.app).get('/readyz').expect(200);
      // Before the fix, the other instance, asked first, made the key, and the right ones answered 503.
      const { input } = await newUser(first.app);
      expectProblem(
        await request(other.app).post('/v1/auth/token').send({ username: input.username, password: input.password }),
        503,
      );
      await login(first.app, input.username, input.password);
      await login(t.app, input.username, input.password);
    } finally {
      await Promise.all([first.close(), other.close()]);
    }
  });
});
