import jwt from 'jsonwebtoken';
import request, { type Response } from 'supertest';
import { CLOCK } from '../../src/container.tokens';
import type { Clock } from '../../src/core/clock';
import { totpCode } from '../../src/services/totp';
import { startTestApp, type TestApp } from '../support/app';
import { handledSecrets, newAdmin, newUser, refresh, type LoggedIn } from '../support/auth';
import { expectProblem } from '../support/problem';

/** The time the services see: set by each test, near the real time (sessions expire by the real clock). */
class TestClock implements Clock {
  ms = 0;
  now(): Date {
    return new Date(this.ms);
  }
  /** The first millisecond of a 30-second step, plus `offsetMs`. */
  atStepStart(offsetMs = 0): void {
    this.ms = Math.floor(Date.now() / 30_000) * 30_000 + offsetMs;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

const clock = new TestClock();
/** An app whose services tell the time by `clock`. */
const startWithClock = (env: Record<string, string> = {}) =>
  startTestApp({ env, override: (c) => c.register(CLOCK, { useValue: clock }) });

let t: TestApp;
beforeAll(async () => {
  t = await startWithClock();
});
afterAll(() => t.close());
beforeEach(() => clock.atStepStart());

/** The code the app shows `steps` steps from the services' now. */
const codeAt = (secret: string, steps = 0) => totpCode(secret, new Date(clock.ms + steps * 30_000));

interface Enrolled extends LoggedIn {
  secret: string;
  recoveryCodes: string[];
}

async function enrol(app: TestApp['app'], who: LoggedIn): Promise<Enrolled> {
  const started = await request(app).post('/v1/users/me/mfa/totp').set('authorization', who.bearer);
  expect(started.status).toBe(201);
  const { secret } = started.body as { secret: string };
  handledSecrets.add(secret);
  const confirmed = await request(app)
    .post('/v1/users/me/mfa/totp/confirm')
    .set('authorization', who.bearer)
    .send({ code: codeAt(secret) });
  expect(confirmed.status).toBe(200);
  // The confirming code's step is spent: logins in the same test use the next one.
  clock.advance(30);
  return { ...who, secret, recoveryCodes: confirmed.body.recovery_codes };
}

async function passwordStep(app: TestApp['app'], who: LoggedIn): Promise<Response> {
  return request(app).post('/v1/auth/token').send({ username: who.input.username, password: who.input.password });
}

/** The password step, which must ask for the second factor: its mfa_token. */
async function mfaToken(app: TestApp['app'], who: LoggedIn): Promise<string> {
  const res = await passwordStep(app, who);
  const problem = expectProblem(res, 403);
  handledSecrets.add(problem.mfa_token as string);
  return problem.mfa_token as string;
}

function claims(accessToken: string) {
  return jwt.decode(accessToken) as { amr: string[]; auth_time: number; iat: number; sid: string };
}

/** A well-formed code that is not `code`. */
const otherThan = (code: string) => (code === '000000' ? '000001' : '000000');

/** The second step of a login. */
const completeMfa = (app: TestApp['app'], body: Record<string, unknown>) =>
  request(app).post('/v1/auth/mfa').send(body);

/** An operation that asks for the caller's password again. */
const withPassword = (app: TestApp['app'], method: 'post' | 'delete', path: string, bearer: string, password: string) =>
  request(app)[method](path).set('authorization', bearer).send({ current_password: password });

const me = (app: TestApp['app'], bearer: string) => request(app).get('/v1/users/me').set('authorization', bearer);

describe('enrolment', () => {
  it('gives a secret and an otpauth URI for the username; nothing changes until a code confirms it', async () => {
    const user = await newUser(t.app);
    const res = await request(t.app).post('/v1/users/me/mfa/totp').set('authorization', user.bearer);
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const { secret, otpauth_uri: uri } = res.body as { secret: string; otpauth_uri: string };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(uri).toBe(
      `otpauth://totp/Gatehouse:${user.input.username}?issuer=Gatehouse&secret=${secret}&algorithm=SHA1&digits=6&period=30`,
    );

    // Not confirmed: login has no MFA step, and the user is not shown as enrolled.
    expect((await me(t.app, user.bearer)).body.mfa_enabled).toBe(false);
    expect((await passwordStep(t.app, user)).status).toBe(200);

    const wrong = await request(t.app)
      .post('/v1/users/me/mfa/totp/confirm')
      .set('authorization', user.bearer)
      .send({ code: codeAt(secret, 3) });
    expect(expectProblem(wrong, 403).detail).toMatch(/code is incorrect/);
    expect((await me(t.app, user.bearer)).body.mfa_enabled).toBe(false);

    const ok = await request(t.app)
      .post('/v1/users/me/mfa/totp/confirm')
      .set('authorization', user.bearer)
      .send({ code: codeAt(secret) });
    expect(ok.status).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.body.recovery_codes).toHaveLength(10);
    expect((await me(t.app, user.bearer)).body.mfa_enabled).toBe(true);

    expectProblem(await request(t.app).post('/v1/users/me/mfa/totp').set('authorization', user.bearer), 409);
    const again = await request(t.app)
      .post('/v1/users/me/mfa/totp/confirm')
      .set('authorization', user.bearer)
      .send({ code: codeAt(secret, 1) });
    expectProblem(again, 409);
  });

  it('refuses a confirmation before any enrolment, and replaces an unconfirmed secret when started again', async () => {
    const user = await newUser(t.app);
    const early = await request(t.app)
      .post('/v1/users/me/mfa/totp/confirm')
      .set('authorization', user.bearer)
      .send({ code: '123456' });
    expectProblem(early, 409);
    const first = (await request(t.app).post('/v1/users/me/mfa/totp').set('authorization', user.bearer)).body;
    const second = (await request(t.app).post('/v1/users/me/mfa/totp').set('authorization', user.bearer)).body;
    expect(second.secret).not.toBe(first.secret);
    const stale = await request(t.app)
      .post('/v1/users/me/mfa/totp/confirm')
      .set('authorization', user.bearer)
      .send({ code: codeAt(first.secret) });
    expectProblem(stale, 403);
  });

  it('keeps the secret sealed under MASTER_KEY and only digests of the recovery codes', async () => {
    const user = await enrol(t.app, await newUser(t.app));
    const [row] = await t.database.orm.em
      .fork()
      .getConnection()
      .execute<{ secret_encrypted: string; recovery_code_digests: string[] }[]>(
        'select secret_encrypted, recovery_code_digests from totp_credentials where user_id = ?',
        [user.user.id],
      );
    expect(row!.secret_encrypted).toMatch(/^v1\./);
    expect(row!.secret_encrypted).not.toContain(user.secret);
    expect(row!.recovery_code_digests).toHaveLength(10);
    for (const code of user.recoveryCodes) {
      expect(JSON.stringify(row)).not.toContain(code);
      expect(JSON.stringify(row)).not.toContain(code.replace(/-/g, ''));
    }
  });
});

describe('login with TOTP', () => {
  it('asks for the second factor after a right password only; then opens a session with amr pwd+otp', async () => {
    const user = await enrol(t.app, await newUser(t.app));
    const wrongPassword = await request(t.app)
      .post('/v1/auth/token')
      .send({ username: user.input.username, password: 'not the password at all' });
    const unknown = await request(t.app)
      .post('/v1/auth/token')
      .send({ username: 'nobody-by-this-name', password: 'not the password at all' });
    const [a, b] = [expectProblem(wrongPassword, 401), expectProblem(unknown, 401)];
    expect({ ...a, request_id: null }).toEqual({ ...b, request_id: null });

    const res = await passwordStep(t.app, user);
    const problem = expectProblem(res, 403);
    expect(problem.type).toMatch(/\/mfa-required$/);
    expect(problem.mfa_methods).toEqual(['totp', 'recovery_code']);
    expect(problem.mfa_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.headers['x-request-id']).toBe(problem.request_id);

    const done = await completeMfa(t.app, { mfa_token: problem.mfa_token, code: codeAt(user.secret) });
    expect(done.status).toBe(200);
    expect(done.headers['cache-control']).toBe('no-store');
    handledSecrets.add(done.body.access_token).add(done.body.refresh_token);
    const granted = claims(done.body.access_token);
    expect(granted.amr).toEqual(['pwd', 'otp']);
    expect(granted.auth_time).toBe(Math.floor(clock.ms / 1000));
    expect((await me(t.app, `Bearer ${done.body.access_token}`)).body.mfa_enabled).toBe(true);

    // A refreshed token says how the session's login went, and when.
    const rotated = await refresh(t.app, done.body.refresh_token);
    expect(rotated.status).toBe(200);
    expect(claims(rotated.body.access_token)).toMatchObject({ amr: ['pwd', 'otp'], auth_time: granted.auth_time });

    // Without MFA, amr is pwd alone.
    const plain = await newUser(t.app);
    expect(claims(plain.tokens.access_token)).toMatchObject({ amr: ['pwd'], auth_time: expect.any(Number) });
  });

  it('accepts the codes one step either side of now, not two', async () => {
    const user = await enrol(t.app, await newUser(t.app));
    for (const steps of [-2, 2]) {
      const token = await mfaToken(t.app, user);
      const code = codeAt(user.secret, steps);
      if ([-1, 0, 1].some((s) => codeAt(user.secret, s) === code)) continue; // 1 in 10^5: a code repeats
      expectProblem(await completeMfa(t.app, { mfa_token: token, code }), 401);
    }
    // The previous step (a slow typist), then the next (a fast clock): each later than the last used.
    clock.advance(60);
    for (const steps of [-1, 1]) {
      const token = await mfaToken(t.app, user);
      const res = await completeMfa(t.app, { mfa_token: token, code: codeAt(user.secret, steps) });
      expect(res.status).toBe(200);
    }
  });

  it('accepts a code once: the same code, or one of an earlier step, is refused', async () => {
    const user = await enrol(t.app, await newUser(t.app));
    const code = codeAt(user.secret);
    const first = await completeMfa(t.app, { mfa_token: await mfaToken(t.app, user), code });
    expect(first.status).toBe(200);
    const replay = await completeMfa(t.app, { mfa_token: await mfaToken(t.app, user), code });
    expectProblem(replay, 401);
    const earlier = await completeMfa(t.app, { mfa_token: await mfaToken(t.app, user), code: codeAt(user.secret, -1) });
    expectProblem(earlier, 401);
    const failures = t.logs.entries.filter((e) => e.audit === 'mfa.failed' && e.subject_id === user.user.id);
    expect(failures.map((e) => e.method)).toEqual(['totp_replayed', 'totp_replayed']);
  });

  it('refuses an mfa_token that was used, that expired, or that is unknown', async () => {
    const user = await enrol(t.app, await newUser(t.app));
    const token = await mfaToken(t.app, user);
    expect((await completeMfa(t.app, { mfa_token: token, code: codeAt(user.secret) })).status).toBe(200);
    clock.advance(30);
    const reused = await completeMfa(t.app, { mfa_token: token, code: codeAt(user.secret) });
    expect(expectProblem(reused, 401).detail).toMatch(/mfa_token is invalid or expired/);

    const late = await mfaToken(t.app, user);
    clock.advance(301);
    const expired = await completeMfa(t.app, { mfa_token: late, code: codeAt(user.secret) });
    expectProblem(expired, 401);
    // Still usable at 300 s less a step: the token lives five minutes.
    const inTime = await mfaToken(t.app, user);
    clock.advance(270);
    expect((await completeMfa(t.app, { mfa_token: inTime, code: codeAt(user.secret) })).status).toBe(200);

    const unknown = await completeMfa(t.app, { mfa_token: 'A'.repeat(43), code: codeAt(user.secret, 1) });
    expectProblem(unknown, 401);
  });

  it('signs the tokens after the step`s transaction: an instance that has not loaded its keys yet answers', async () => {
    const user = await enrol(t.app, await newUser(t.app));
    // A new instance on the same database: its first signing loads the keys, which takes a
    // connection of its own (the test apps have one each).
    const cold = await startWithClock();
    try {
      const token = await mfaToken(cold.app, user);
      const res = await completeMfa(cold.app, { mfa_token: token, code: codeAt(user.secret) });
      expect(res.status).toBe(200);
    } finally {
      await cold.close();
    }
  });

  it('binds the mfa_token to its user: another user`s code does not complete it', async () => {
    const ada = await enrol(t.app, await newUser(t.app));
    const bob = await enrol(t.app, await newUser(t.app));
    const token = await mfaToken(t.app, ada);
    const res = await completeMfa(t.app, { mfa_token: token, code: codeAt(bob.secret) });
    if (codeAt(bob.secret) !== codeAt(ada.secret)) expectProblem(res, 401);
  });

  it('a wrong code keeps the mfa_token usable; a body with both factors, or neither, is a 400', async () => {
    const user = await enrol(t.app, await newUser(t.app));
    const token = await mfaToken(t.app, user);
    const right = codeAt(user.secret);
    const wrong = otherThan(right);
    expectProblem(await completeMfa(t.app, { mfa_token: token, code: wrong }), 401);
    const both = { mfa_token: token, code: right, recovery_code: user.recoveryCodes[0] };
    expectProblem(await completeMfa(t.app, both), 400);
    expectProblem(await completeMfa(t.app, { mfa_token: token }), 400);
    expect((await completeMfa(t.app, { mfa_token: token, code: right })).status).toBe(200);
  });
});

describe('recovery codes', () => {
  it('each logs in once, typed in any case and with or without dashes', async () => {
    const user = await enrol(t.app, await newUser(t.app));
    const [first, second] = user.recoveryCodes as [string, string];
    const ok = await completeMfa(t.app, { mfa_token: await mfaToken(t.app, user), recovery_code: first });
    expect(ok.status).toBe(200);
    expect(claims(ok.body.access_token).amr).toEqual(['pwd', 'otp']);
    const used = await completeMfa(t.app, { mfa_token: await mfaToken(t.app, user), recovery_code: first });
    expectProblem(used, 401);
    const typed = await completeMfa(t.app, {
      mfa_token: await mfaToken(t.app, user),
      recovery_code: second.toUpperCase().replace(/-/g, ' '),
    });
    expect(typed.status).toBe(200);
  });

  it('are replaced with the password: the old ones stop working', async () => {
    const user = await enrol(t.app, await newUser(t.app));
    const wrong = await withPassword(
      t.app,
      'post',
      '/v1/users/me/mfa/recovery-codes',
      user.bearer,
      'not the password at all',
    );
    expectProblem(wrong, 403);
    const res = await withPassword(t.app, 'post', '/v1/users/me/mfa/recovery-codes', user.bearer, user.input.password);
    expect(res.status).toBe(200);
    expect(res.body.recovery_codes).toHaveLength(10);
    const old = await completeMfa(t.app, {
      mfa_token: await mfaToken(t.app, user),
      recovery_code: user.recoveryCodes[0],
    });
    expectProblem(old, 401);
    const fresh = await completeMfa(t.app, {
      mfa_token: await mfaToken(t.app, user),
      recovery_code: res.body.recovery_codes[0],
    });
    expect(fresh.status).toBe(200);
    const replaced = t.logs.entries.filter(
      (e) => e.audit === 'mfa.recovery_codes_replaced' && e.subject_id === user.user.id,
    );
    expect(replaced).toHaveLength(1);
  });

  it('cannot be replaced, nor TOTP removed, without an active app (409)', async () => {
    const user = await newUser(t.app);
    const body = { current_password: user.input.password };
    const replace = request(t.app).post('/v1/users/me/mfa/recovery-codes').set('authorization', user.bearer);
    expectProblem(await replace.send(body), 409);
    const remove = request(t.app).delete('/v1/users/me/mfa/totp').set('authorization', user.bearer);
    expectProblem(await remove.send(body), 409);
  });
});

describe('removal', () => {
  it('needs the password, removes the app and the codes, and ends every other session', async () => {
    const user = await enrol(t.app, await newUser(t.app));
    const other = await completeMfa(t.app, { mfa_token: await mfaToken(t.app, user), code: codeAt(user.secret) });
    const otherBearer = `Bearer ${other.body.access_token}`;
    expect((await me(t.app, otherBearer)).status).toBe(200);

    const wrong = await withPassword(t.app, 'delete', '/v1/users/me/mfa/totp', user.bearer, 'not the password at all');
    expectProblem(wrong, 403);
    const res = await withPassword(t.app, 'delete', '/v1/users/me/mfa/totp', user.bearer, user.input.password);
    expect(res.status).toBe(204);

    expectProblem(await me(t.app, otherBearer), 401);
    expect((await refresh(t.app, other.body.refresh_token)).status).toBe(401);
    const mine = await me(t.app, user.bearer);
    expect(mine.status).toBe(200);
    expect(mine.body.mfa_enabled).toBe(false);
    expect((await passwordStep(t.app, user)).status).toBe(200);
    const disabled = t.logs.entries.find((e) => e.audit === 'mfa.disabled' && e.subject_id === user.user.id);
    expect(disabled).toMatchObject({ actor_id: user.user.id, sessions_ended: 1 });
  });
});

describe('an admin clearing MFA', () => {
  it('removes the app of a user who lost it (audited); only false is accepted', async () => {
    const admin = await newAdmin(t);
    const user = await enrol(t.app, await newUser(t.app));
    const path = `/v1/users/${user.user.id}`;
    const on = await request(t.app).patch(path).set('authorization', admin.bearer).send({ mfa_enabled: true });
    expectProblem(on, 400);
    const byUser = await request(t.app).patch(path).set('authorization', user.bearer).send({ mfa_enabled: false });
    expectProblem(byUser, 403);

    const res = await request(t.app).patch(path).set('authorization', admin.bearer).send({ mfa_enabled: false });
    expect(res.status).toBe(200);
    expect(res.body.mfa_enabled).toBe(false);
    const entry = t.logs.entries.find(
      (e) => e.audit === 'user.access_changed' && e.request_id === res.headers['x-request-id'],
    );
    expect(entry).toMatchObject({ actor_id: admin.user.id, subject_id: user.user.id, fields: ['mfa_enabled'] });
    expect(entry!.mfa_enabled).toBe(false);
    // The user logs in with the password alone, and may enrol again.
    expect((await passwordStep(t.app, user)).status).toBe(200);
    expect((await request(t.app).post('/v1/users/me/mfa/totp').set('authorization', user.bearer)).status).toBe(201);
  });
});

describe('wrong codes and the failed-attempt cap', () => {
  let capped: TestApp;
  beforeAll(async () => {
    capped = await startWithClock({ LOGIN_FAILURES_PER_HOUR: '3' });
  });
  afterAll(() => capped.close());

  it('counts with the password failures of the account: 429 once the cap is reached, audited', async () => {
    const user = await enrol(capped.app, await newUser(capped.app));
    const token = await mfaToken(capped.app, user); // the password step counts one attempt, and does not reset
    const right = codeAt(user.secret);
    const wrong = otherThan(right);
    for (let i = 0; i < 2; i++) {
      expectProblem(await completeMfa(capped.app, { mfa_token: token, code: wrong }), 401);
    }
    const blocked = await completeMfa(capped.app, { mfa_token: token, code: right });
    expectProblem(blocked, 429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // The password step is held to the same count.
    expectProblem(await passwordStep(capped.app, user), 429);

    const events = capped.logs.entries.filter((e) => e.subject_id === user.user.id && e.audit);
    expect(events.filter((e) => e.audit === 'mfa.failed')).toHaveLength(2);
    expect(events.find((e) => e.audit === 'mfa.throttled')).toMatchObject({ level: 'warn', operation: 'login' });
  });

  it('counts wrong codes at enrolment too', async () => {
    const user = await newUser(capped.app);
    const { secret } = (await request(capped.app).post('/v1/users/me/mfa/totp').set('authorization', user.bearer))
      .body as { secret: string };
    const right = codeAt(secret);
    const wrong = otherThan(right);
    const confirm = (code: string) =>
      request(capped.app).post('/v1/users/me/mfa/totp/confirm').set('authorization', user.bearer).send({ code });
    for (let i = 0; i < 3; i++) expectProblem(await confirm(wrong), 403);
    expectProblem(await confirm(right), 429);
    const failed = capped.logs.entries.filter((e) => e.audit === 'mfa.failed' && e.subject_id === user.user.id);
    expect(failed.map((e) => e.operation)).toEqual(['confirm_enrolment', 'confirm_enrolment', 'confirm_enrolment']);
  });
});

describe('MFA_REQUIRED_ROLES', () => {
  let strict: TestApp;
  beforeAll(async () => {
    strict = await startWithClock({ MFA_REQUIRED_ROLES: 'admin' });
  });
  afterAll(() => strict.close());

  it('holds such users to their account, sessions and enrolment until they enrol', async () => {
    const admin = await newAdmin(strict);
    const list = () => request(strict.app).get('/v1/users').set('authorization', admin.bearer);
    const refused = expectProblem(await list(), 403);
    expect(refused.type).toMatch(/\/mfa-enrolment-required$/);
    expect((await me(strict.app, admin.bearer)).status).toBe(200);
    expect((await request(strict.app).get('/v1/users/me/sessions').set('authorization', admin.bearer)).status).toBe(
      200,
    );
    const change = await request(strict.app)
      .patch('/v1/users/me')
      .set('authorization', admin.bearer)
      .send({ full_name: 'Not Yet' });
    expect(expectProblem(change, 403).type).toMatch(/\/mfa-enrolment-required$/);

    await enrol(strict.app, admin);
    // The same token works at once: enrolment is read with the session on every request.
    expect((await list()).status).toBe(200);
  });

  it('leaves users without such a role alone', async () => {
    const user = await newUser(strict.app);
    const res = await request(strict.app)
      .patch('/v1/users/me')
      .set('authorization', user.bearer)
      .send({ full_name: 'Free To Change' });
    expect(res.status).toBe(200);
  });
});
