/**
 * The contract suite: the real server on a port, driven only through the
 * generated TypeScript SDK, as a client team would. Every response is also
 * checked against the spec by the test harness (see support/contract.ts).
 *
 * CONTRACT_UPSTREAM_PORT fixes the server's port and CONTRACT_BASE_URL sends
 * the SDK elsewhere (CI puts Stoplight Prism in between, as a second validator).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AuthApi,
  Configuration,
  ResponseError,
  SystemApi,
  UsersApi,
  type TokenResponse,
  type User,
} from '../../generated/sdk/typescript/src';
import { totpCode } from '../../src/services/totp';
import { startTestApp, type TestApp } from '../support/app';
import { newAdmin } from '../support/auth';
import { userCreate } from '../factories/user.factory';

let t: TestApp;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  t = await startTestApp();
  server = t.app.listen(Number(process.env.CONTRACT_UPSTREAM_PORT ?? 0), '127.0.0.1');
  await new Promise((ok) => server.once('listening', ok));
  baseUrl = process.env.CONTRACT_BASE_URL ?? `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((ok) => server.close(ok));
  await t.close();
});

/**
 * Behind Prism (CONTRACT_BASE_URL set), its `sl-violations` header says what it
 * found wrong: any response violation fails the suite, and so does a request
 * violation on a call the server accepted (the suite's bad requests on purpose
 * are refused by the server too).
 */
const prismViolations: string[] = [];
const fetchApi: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  const header = res.headers.get('sl-violations');
  if (header) {
    const found = JSON.parse(header) as { location: string[]; message: string; severity: string }[];
    for (const v of found) {
      if (v.location[0] === 'response' || res.status < 400) {
        prismViolations.push(
          `${init?.method ?? 'GET'} ${String(input)} -> ${res.status}: ${v.location.join('.')} ${v.message}`,
        );
      }
    }
  }
  return res;
};
afterEach(() => {
  const found = prismViolations.splice(0);
  if (found.length) throw new Error(`Prism reports violations:\n  ${found.join('\n  ')}`);
});

const config = (accessToken?: string) => new Configuration({ basePath: baseUrl, accessToken, fetchApi });
const system = () => new SystemApi(config());
const auth = (token?: string) => new AuthApi(config(token));
const users = (token?: string) => new UsersApi(config(token));

/** The problem the SDK call failed with; fails the test if it succeeded or answered another status. */
async function problem(call: Promise<unknown>, status: number): Promise<Record<string, unknown>> {
  const error = await call.then(
    () => new Error(`expected ${status}, got a success`),
    (e: unknown) => e,
  );
  if (!(error instanceof ResponseError)) throw error;
  expect(error.response.status).toBe(status);
  expect(error.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await error.response.json()) as Record<string, unknown>;
}

async function signUp(): Promise<{ user: User; password: string; tokens: TokenResponse; username: string }> {
  const input = userCreate();
  const user = await users().createUser({ userCreate: input });
  const tokens = await auth().createToken({ tokenRequest: { username: input.username, password: input.password } });
  return { user, password: input.password, tokens, username: input.username };
}

describe('system', () => {
  it('health, readiness, the served spec and the docs page', async () => {
    expect(await system().getHealth()).toEqual({ status: 'ok' });
    expect(await system().getReadiness()).toEqual({
      status: 'ready',
      checks: {
        database: { status: 'ok' },
        migrations: { status: 'ok' },
        circuit: { status: 'ok' },
        shutdown: { status: 'ok' },
        signing_keys: { status: 'ok' },
        // the suite's apps count in Redis when REDIS_URL is set
        ...(process.env.REDIS_URL ? { redis: { status: 'ok' } } : {}),
      },
    });
    expect(((await system().getOpenApiJson()) as { openapi: string }).openapi).toBe('3.1.0');
    expect(await system().getOpenApiYaml()).toMatch(/^openapi: 3\.1\.0/);
    expect(await system().getDocs()).toMatch(/<!doctype html>/i);
  });
});

describe('auth', () => {
  it('publishes the JWKS', async () => {
    const jwks = await auth().getJwks();
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256', use: 'sig' });
  });

  it('logs in, refreshes, logs out', async () => {
    const { tokens, username, password } = await signUp();
    expect(tokens.token_type).toBe('Bearer');
    const rotated = await auth().refreshToken({ refreshRequest: { refresh_token: tokens.refresh_token } });
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
    await auth(rotated.access_token).logout();
    await problem(auth(rotated.access_token).logout(), 401);
    await problem(auth().createToken({ tokenRequest: { username, password: 'wrong password' } }), 401);
    await problem(auth().createToken({ tokenRequest: { username: '', password } }), 400);
  });

  it('refuses a bad refresh token', async () => {
    await problem(auth().refreshToken({ refreshRequest: { refresh_token: 'A'.repeat(43) } }), 401);
    await problem(auth().refreshToken({ refreshRequest: { refresh_token: 'not base64url!' } }), 400);
  });
});

describe('users: self service', () => {
  it('signs up, reads and changes itself', async () => {
    const { user, tokens } = await signUp();
    expect(await users(tokens.access_token).getMe()).toEqual(user);
    const changed = await users(tokens.access_token).updateMe({ userSelfUpdate: { full_name: 'Changed' } });
    expect(changed.full_name).toBe('Changed');
    await problem(users().getMe(), 401);
  });

  it('refuses duplicates (409) and invalid sign-ups (400)', async () => {
    const { user, tokens, password } = await signUp();
    const again = userCreate({ username: user.username.toUpperCase() });
    await problem(users().createUser({ userCreate: again }), 409);
    await problem(users().createUser({ userCreate: userCreate({ username: 'x' }) }), 400);
    const other = await signUp();
    const me = users(tokens.access_token);
    await problem(me.updateMe({ userSelfUpdate: { email: other.user.email, current_password: password } }), 409);
    await problem(me.updateMe({ userSelfUpdate: { username: '!', current_password: password } }), 400);
  });

  it('asks for the current password with a new email or username (400 without, 403 when wrong)', async () => {
    const { user, tokens, password } = await signUp();
    const me = users(tokens.access_token);
    await problem(me.updateMe({ userSelfUpdate: { email: `new_${user.email}` } }), 400);
    await problem(me.updateMe({ userSelfUpdate: { email: `new_${user.email}`, current_password: 'wrong' } }), 403);
    const changed = await me.updateMe({ userSelfUpdate: { email: `new_${user.email}`, current_password: password } });
    expect(changed.email).toBe(`new_${user.email}`);
  });

  it('changes the password; a wrong current one is 403', async () => {
    const { tokens, password } = await signUp();
    const me = users(tokens.access_token);
    await problem(
      me.changePassword({ passwordChange: { current_password: 'nope', new_password: 'a new password 1' } }),
      403,
    );
    await me.changePassword({ passwordChange: { current_password: password, new_password: 'a new password 1' } });
  });

  it('lists and ends sessions', async () => {
    const { tokens, username, password } = await signUp();
    const second = await auth().createToken({ tokenRequest: { username, password } });
    const me = users(tokens.access_token);
    const { items } = await me.listMySessions();
    expect(items).toHaveLength(2);
    const other = items.find((s) => !s.current)!;
    await me.revokeMySession({ sessionId: other.id });
    await problem(me.revokeMySession({ sessionId: other.id }), 404);
    await problem(users(second.access_token).getMe(), 401);
  });
});

/**
 * The code the authenticator app shows `steps` steps from now. Codes are taken at least two
 * seconds before a step ends, so the server checks them in the step they were made for.
 */
async function appCode(secret: string, steps = 0): Promise<string> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < 2_000) await new Promise((ok) => setTimeout(ok, left + 50));
  return totpCode(secret, new Date(Date.now() + steps * 30_000));
}

describe('users: multi-factor authentication', () => {
  it('enrols an authenticator app, logs in through the MFA step, recovers with a recovery code, removes it', async () => {
    const { tokens, username, password } = await signUp();
    const me = users(tokens.access_token);
    const { secret, otpauth_uri } = await me.startTotpEnrolment();
    expect(otpauth_uri).toBe(
      `otpauth://totp/Gatehouse:${username}?issuer=Gatehouse&secret=${secret}&algorithm=SHA1&digits=6&period=30`,
    );
    const current = await appCode(secret);
    await problem(me.confirmTotpEnrolment({ totpConfirm: { code: current === '000000' ? '000001' : '000000' } }), 403);
    // The previous step's code (the window allows it), so that the login below has a later one.
    const { recovery_codes } = await me.confirmTotpEnrolment({ totpConfirm: { code: await appCode(secret, -1) } });
    expect(recovery_codes).toHaveLength(10);
    expect((await me.getMe()).mfa_enabled).toBe(true);
    await problem(me.startTotpEnrolment(), 409);

    const challenge = await problem(auth().createToken({ tokenRequest: { username, password } }), 403);
    expect(challenge).toMatchObject({
      type: expect.stringMatching(/\/mfa-required$/),
      mfa_methods: ['totp', 'recovery_code'],
    });
    const mfa_token = challenge.mfa_token as string;
    const code = await appCode(secret);
    const pair = await auth().completeMfaLogin({ mfaLoginRequest: { mfa_token, code } });
    expect(pair.token_type).toBe('Bearer');
    expect(JSON.parse(Buffer.from(pair.access_token.split('.')[1]!, 'base64url').toString())).toMatchObject({
      amr: ['pwd', 'otp'],
      auth_time: expect.any(Number),
    });
    await problem(auth().completeMfaLogin({ mfaLoginRequest: { mfa_token, code } }), 401);
    await problem(auth().completeMfaLogin({ mfaLoginRequest: { mfa_token: 'not base64url!', code } }), 400);

    const second = await problem(auth().createToken({ tokenRequest: { username, password } }), 403);
    const recovered = await auth().completeMfaLogin({
      mfaLoginRequest: { mfa_token: second.mfa_token as string, recovery_code: recovery_codes[0]! },
    });
    const again = users(recovered.access_token);

    await problem(again.replaceRecoveryCodes({ currentPassword: { current_password: 'wrong' } }), 403);
    const replaced = await again.replaceRecoveryCodes({ currentPassword: { current_password: password } });
    expect(replaced.recovery_codes).not.toContain(recovery_codes[1]);
    await problem(again.removeTotp({ currentPassword: { current_password: 'wrong' } }), 403);
    await again.removeTotp({ currentPassword: { current_password: password } });
    await problem(me.getMe(), 401); // removal ended the other sessions
    await problem(again.removeTotp({ currentPassword: { current_password: password } }), 409);
    await problem(again.replaceRecoveryCodes({ currentPassword: { current_password: password } }), 409);
    await problem(again.confirmTotpEnrolment({ totpConfirm: { code: '123456' } }), 409);
    expect((await auth().createToken({ tokenRequest: { username, password } })).token_type).toBe('Bearer');
  });
});

describe('users: administration', () => {
  let adminToken: string;
  beforeAll(async () => {
    adminToken = (await newAdmin(t)).tokens.access_token; // as the first admin from ADMIN_* would be
  });

  it('pages through users with the cursor', async () => {
    const admin = users(adminToken);
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await admin.listUsers({ limit: 50, cursor });
      for (const u of page.items) seen.add(u.id);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen.size).toBeGreaterThan(3);
    const filtered = await admin.listUsers({ role: 'admin', isActive: true, limit: 5 });
    expect(filtered.items.every((u) => u.roles.includes('admin'))).toBe(true);
  });

  it('reads, changes and deletes a user; 404 for one that is not there', async () => {
    const admin = users(adminToken);
    const { user } = await signUp();
    expect(await admin.getUser({ userId: user.id })).toEqual(user);
    const changed = await admin.updateUser({ userId: user.id, userAdminUpdate: { is_active: false } });
    expect(changed.is_active).toBe(false);
    const cleared = await admin.updateUser({ userId: user.id, userAdminUpdate: { mfa_enabled: false } });
    expect(cleared.mfa_enabled).toBe(false);
    await admin.deleteUser({ userId: user.id });
    await problem(admin.getUser({ userId: user.id }), 404);
    await problem(admin.updateUser({ userId: user.id, userAdminUpdate: { full_name: 'x' } }), 404);
    await problem(admin.deleteUser({ userId: user.id }), 404);
  });

  it('keeps users out of administration: 403', async () => {
    const { tokens, user } = await signUp();
    const plain = users(tokens.access_token);
    await problem(plain.listUsers(), 403);
    await problem(plain.getUser({ userId: user.id }), 403);
    await problem(plain.updateUser({ userId: user.id, userAdminUpdate: { roles: new Set(['admin' as const]) } }), 403);
    await problem(plain.deleteUser({ userId: user.id }), 403);
  });
});
