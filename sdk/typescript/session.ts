/**
 * The scripted client session through the TypeScript SDK (generated/sdk/typescript, committed),
 * the same steps as the Java and Python sessions: `make sdk-session LANG=typescript` runs it
 * against a server of its own. Settings: GATEHOUSE_URL, GATEHOUSE_ADMIN_USERNAME,
 * GATEHOUSE_ADMIN_PASSWORD. Prints one line per step; exits 1 on the first unexpected result.
 */
import { randomBytes } from 'node:crypto';
import { URI, type TOTP } from 'otpauth';
import {
  AuthApi,
  Configuration,
  MfaRequiredProblemFromJSON,
  ProblemFromJSON,
  ResponseError,
  SystemApi,
  UserFromJSON,
  UserToJSON,
  UsersApi,
  type Problem,
} from '../../generated/sdk/typescript/src';

const NAME = 'Zoë Ångström';
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
};
const baseUrl = env('GATEHOUSE_URL');

class Unexpected extends Error {}
function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Unexpected(message);
}
const say = (step: string, detail: string) => console.log(`${step.padEnd(16)} ${detail}`);

const config = (accessToken?: string) => new Configuration({ basePath: baseUrl, accessToken });

/**
 * The call must fail with `status`: its response, the typed Problem when it has a body, and the
 * body as parsed (a Problem's extension members, which the Problem model leaves out).
 */
async function failure(
  status: number,
  call: () => Promise<unknown>,
): Promise<[Response, Problem | undefined, unknown]> {
  const error = await call().then(
    () => new Unexpected(`expected ${status}, got a success`),
    (e: unknown) => e,
  );
  if (!(error instanceof ResponseError)) throw error;
  check(error.response.status === status, `expected ${status}, got ${error.response.status}`);
  const text = await error.response.text();
  const body: unknown = text ? JSON.parse(text) : undefined;
  return [error.response, body === undefined ? undefined : ProblemFromJSON(body), body];
}

async function session(): Promise<void> {
  const system = new SystemApi(config());
  const yaml = await system.getOpenApiYaml();
  const docs = await system.getDocs();
  check(yaml.startsWith('openapi:') && docs.includes('<html'), 'spec and docs');
  say('spec and docs', `200 /openapi.yaml ${yaml.length} chars of YAML, /docs ${docs.length} of HTML`);

  const username = `ts_${randomBytes(5).toString('hex')}`;
  let password = `${randomBytes(9).toString('base64url')} tidal lantern`;
  const email = `${username}@example.com`;
  const created = await new UsersApi(config()).createUser({ userCreate: { username, email, password } });
  check(created.username === username && created.roles.join() === 'user', `sign-up ${JSON.stringify(created)}`);
  say('sign-up', `201 id=${created.id} username=${created.username} roles=${JSON.stringify(created.roles)}`);

  const [, conflict] = await failure(409, () =>
    new UsersApi(config()).createUser({ userCreate: { username, email, password } }),
  );
  check(conflict?.type === 'urn:gatehouse:problem:conflict' && conflict.status === 409, 'problem');
  say('problem', `409 type=${conflict.type} title='${conflict.title}' request_id=${conflict.request_id}`);

  let tokens = await new AuthApi(config()).createToken({ tokenRequest: { username, password } });
  check(tokens.token_type === 'Bearer' && tokens.expires_in > 0, 'tokens');
  say('login', `200 token_type=${tokens.token_type} expires_in=${tokens.expires_in}`);
  let users = new UsersApi(config(tokens.access_token));

  const answer = await users.getMeRaw({});
  const me = await answer.value();
  const etag = answer.raw.headers.get('etag');
  check(me.id === created.id && me.full_name === null && etag, `me ${JSON.stringify(me)} ${etag}`);
  say('me', `200 username=${me.username} full_name=${me.full_name} etag=${etag}`);

  const later = UserFromJSON({ ...UserToJSON(me), added_later: { x: 1 }, roles: ['user', 'auditor'] });
  check(later.id === me.id && later.roles.join() === 'user,auditor', 'unknown field and role');
  say('unknown field', `a User with a field the spec does not name, and roles ${JSON.stringify(later.roles)}, reads`);

  // typescript-fetch answers every status outside 2xx with ResponseError: 304 included.
  const [notModified] = await failure(304, () => users.getMe({ ifNoneMatch: etag }));
  check(notModified.headers.get('etag') === etag, '304 etag');
  say('me if-none-match', `304 not modified (ResponseError, status 304, ETag=${notModified.headers.get('etag')})`);

  const named = await users.updateMe({ userSelfUpdate: { full_name: NAME } });
  check(named.full_name === NAME, `patch ${named.full_name}`);
  say('patch me', `200 full_name=${named.full_name}`);
  const cleared = await users.updateMe({ userSelfUpdate: { full_name: null } });
  check(cleared.full_name === null, `patch ${cleared.full_name}`);
  say('patch me', `200 sent {"full_name": null} -> full_name=${cleared.full_name}`);

  const newPassword = `${randomBytes(9).toString('base64url')} quiet harbour`;
  await users.changePassword({ passwordChange: { current_password: password, new_password: newPassword } });
  const oldPassword = password;
  password = newPassword;
  say('password', '204 changed');
  tokens = await new AuthApi(config()).createToken({ tokenRequest: { username, password } });
  await failure(401, () => new AuthApi(config()).createToken({ tokenRequest: { username, password: oldPassword } }));
  users = new UsersApi(config(tokens.access_token));
  say('login', '200 with the new password; 401 with the old one');

  const sessions = await users.listMySessions();
  const current = sessions.items.filter((s) => s.current);
  check(current.length === 1, 'one current session');
  say('sessions', `200 ${sessions.items.length} live, current=${current[0]!.id}`);

  const auth = new AuthApi(config(tokens.access_token));
  const rotated = await auth.refreshToken({ refreshRequest: { refresh_token: tokens.refresh_token } });
  check(rotated.refresh_token !== tokens.refresh_token, 'rotated');
  say('refresh', `200 rotated, expires_in=${rotated.expires_in}`);
  await new AuthApi(config(rotated.access_token)).logout();
  say('logout', '204');
  const [, ended] = await failure(401, () =>
    new AuthApi(config()).refreshToken({ refreshRequest: { refresh_token: rotated.refresh_token } }),
  );
  say('refresh', `401 after logout: ${ended?.title}`);

  const other = await new UsersApi(config()).createUser({
    userCreate: { username: `${username}_2`, email: `${username}_2@example.com`, password },
  });
  const admin = await new AuthApi(config()).createToken({
    tokenRequest: { username: env('GATEHOUSE_ADMIN_USERNAME'), password: env('GATEHOUSE_ADMIN_PASSWORD') },
  });
  say('admin login', '200');
  const asAdmin = new UsersApi(config(admin.access_token));
  let cursor: string | undefined;
  let pages = 0;
  const seen: string[] = [];
  do {
    const page = await asAdmin.listUsers({ limit: 2, cursor });
    pages += 1;
    seen.push(...page.items.map((u) => u.id));
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  check(seen.includes(created.id) && new Set(seen).size === seen.length && pages >= 2, 'pages');
  say('admin list', `200 ${seen.length} users in ${pages} pages of 2, next_cursor followed to null`);

  const updated = await asAdmin.updateUser({ userId: created.id, userAdminUpdate: { full_name: NAME } });
  check(updated.full_name === NAME && updated.roles.join() === 'user', 'admin update');
  say('admin update', `200 sent {"full_name": "${NAME}"} -> roles=${JSON.stringify(updated.roles)}`);
  // MFA: the second user enrols an authenticator app with the otpauth URI, then logs in through the MFA step.
  const login = { tokenRequest: { username: other.username, password } };
  const signedIn = await new AuthApi(config()).createToken(login);
  const own = new UsersApi(config(signedIn.access_token));
  const enrolment = await own.startTotpEnrolment();
  const app = URI.parse(enrolment.otpauth_uri) as TOTP; // as an authenticator app reads it
  check(app.issuer === 'Gatehouse' && app.label === other.username && app.digits === 6, enrolment.otpauth_uri);
  say('mfa enrol', `201 otpauth://totp/${app.issuer}:${app.label} digits=${app.digits} period=${app.period}`);
  const recovery = await own.confirmTotpEnrolment({ totpConfirm: { code: app.generate() } });
  check(recovery.recovery_codes.length === 10, 'ten recovery codes');
  say('mfa confirm', `200 TOTP on, ${recovery.recovery_codes.length} recovery codes`);

  const [, , challenge] = await failure(403, () => new AuthApi(config()).createToken(login));
  const mfa = MfaRequiredProblemFromJSON(challenge);
  check(mfa.type.endsWith('/mfa-required') && mfa.mfa_methods.includes('totp'), `challenge ${JSON.stringify(mfa)}`);
  say('login', `403 ${mfa.type} mfa_methods=${JSON.stringify(mfa.mfa_methods)}`);
  // The next step's code: the one just used to confirm is spent, and one step ahead is accepted.
  const code = app.generate({ timestamp: Date.now() + 30_000 });
  const second = await new AuthApi(config()).completeMfaLogin({ mfaLoginRequest: { mfa_token: mfa.mfa_token, code } });
  const claims = JSON.parse(Buffer.from(second.access_token.split('.')[1]!, 'base64url').toString()) as {
    amr: string[];
  };
  check(claims.amr.join() === 'pwd,otp', `amr ${JSON.stringify(claims.amr)}`);
  say('mfa login', `200 token_type=${second.token_type}, access token amr=${JSON.stringify(claims.amr)}`);

  say('done', 'every step answered as expected');
}

session().catch((error: unknown) => {
  console.error(`session failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
