import { randomBytes } from 'node:crypto';
import type { AppError } from '../../src/core/errors';
import { deriveSecretKeys, successorToken, tokenDigest, type PasswordHasher } from '../../src/core/security';
import type { UnitOfWork } from '../../src/core/unit-of-work';
import type { Session } from '../../src/models/domain/session';
import type { User } from '../../src/models/domain/user';
import type { RefreshTokenRecord } from '../../src/repositories/session.repository';
import { AuthService } from '../../src/services/auth.service';
import { CountingLoginThrottle } from '../../src/services/login-throttle';
import type { TokenService } from '../../src/services/token.service';
import { systemClock } from '../../src/core/clock';
import type { MfaService } from '../../src/services/mfa.service';
import { mockCredentials, mockMfa, mockRefreshTokens, mockSessions } from '../support/mocks';

const auth = {
  masterKey: undefined,
  issuer: 'gatehouse',
  audience: 'gatehouse',
  accessTokenTtlS: 600,
  sessionTtlS: 86_400,
  sessionIdleTtlS: 3_600,
  refreshGraceS: 10,
  keyRotationIntervalS: 86_400,
};
const secrets = deriveSecretKeys(randomBytes(32));
const user: User = {
  id: 'u-1',
  username: 'ada',
  email: 'ada@example.com',
  fullName: null,
  roles: ['user'],
  isActive: true,
  mfaEnabled: false,
  createdAt: new Date(),
  updatedAt: new Date(),
};

/** Failed logins allowed per account per hour in these tests. */
const LOGIN_LIMIT = 3;

function setup(config = auth) {
  const credentials = mockCredentials();
  const sessions = mockSessions();
  const refreshTokens = mockRefreshTokens();
  const hasher: jest.Mocked<PasswordHasher> = {
    hash: jest.fn(async (_password: string) => 'dummy-hash'),
    verify: jest.fn(),
    // A test gives verify its behaviour; a stored hash needs no rehash unless a test says so.
    check: jest.fn(async (hash: string, password: string) => ({
      matches: await hasher.verify(hash, password),
      rehash: false,
    })),
  };
  const tokens = { issueAccessToken: jest.fn(async () => ({ token: 'access', expiresIn: 600 })) };
  const uow = { transaction: jest.fn((work: () => Promise<unknown>) => work()) } as unknown as UnitOfWork;
  const mfa = mockMfa();
  const service = new AuthService(
    credentials,
    sessions,
    refreshTokens,
    hasher,
    tokens as unknown as TokenService,
    uow,
    secrets,
    { auth: config },
    { record: () => undefined },
    new CountingLoginThrottle(LOGIN_LIMIT, { redis: undefined, keyPrefix: 'test:' }),
    mfa,
    { findById: jest.fn() },
    { verify: jest.fn() } as unknown as MfaService,
    systemClock,
  );
  return { service, credentials, sessions, refreshTokens, hasher, tokens, mfa };
}

const client = { userAgent: 'jest', ip: '127.0.0.1' };

describe('AuthService.login', () => {
  it('verifies against a dummy hash when the user does not exist, so it costs the same', async () => {
    const m = setup();
    m.credentials.findByLogin.mockResolvedValue(null);
    m.hasher.verify.mockResolvedValue(false);
    await expect(m.service.login('nobody', 'pw', client)).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(m.hasher.verify).toHaveBeenCalledTimes(1);
    expect(m.hasher.verify).toHaveBeenCalledWith('dummy-hash', 'pw');
    expect(m.sessions.add).not.toHaveBeenCalled();
  });

  it('verifies the password of an inactive user too, then refuses with the same error', async () => {
    const m = setup();
    m.credentials.findByLogin.mockResolvedValue({ user: { ...user, isActive: false }, passwordHash: 'h' });
    m.hasher.verify.mockResolvedValue(true);
    const error = await m.service.login('ada', 'pw', client).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'unauthenticated', message: 'The username or password is incorrect.' });
    expect(m.hasher.verify).toHaveBeenCalledWith('h', 'pw');
    expect(m.sessions.add).not.toHaveBeenCalled();
  });

  it('opens a session with a refresh token stored only as a digest, and re-hashes old hashes', async () => {
    const m = setup();
    m.credentials.findByLogin.mockResolvedValue({ user, passwordHash: 'old' });
    m.hasher.check.mockResolvedValue({ matches: true, rehash: true });
    m.hasher.hash.mockResolvedValue('new');
    const pair = await m.service.login('ada', 'pw', client);

    expect(m.credentials.setPasswordHash).toHaveBeenCalledWith('u-1', 'new');
    const session = m.sessions.add.mock.calls[0]![0];
    expect(session).toMatchObject({ userId: 'u-1', userAgent: 'jest', ip: '127.0.0.1', revokedAt: null });
    expect(session.expiresAt.getTime() - session.createdAt.getTime()).toBe(86_400_000);
    const [record, digest] = m.refreshTokens.add.mock.calls[0]!;
    expect(record).toMatchObject({ sessionId: session.id, parentId: null, usedAt: null });
    expect(digest).toBe(tokenDigest(pair.refreshToken));
    expect(session.amr).toEqual(['pwd']);
    expect(m.tokens.issueAccessToken).toHaveBeenCalledWith({
      userId: 'u-1',
      sessionId: session.id,
      roles: ['user'],
      amr: ['pwd'],
      authTime: session.createdAt,
    });
  });
});

describe('AuthService.login re-hashing', () => {
  it('keeps a stored hash the hasher finds current', async () => {
    const m = setup();
    m.credentials.findByLogin.mockResolvedValue({ user, passwordHash: 'current' });
    m.hasher.check.mockResolvedValue({ matches: true, rehash: false });
    await m.service.login('ada', 'pw', client);
    expect(m.hasher.check).toHaveBeenCalledWith('current', 'pw');
    expect(m.credentials.setPasswordHash).not.toHaveBeenCalled();
  });
});

describe('AuthService.login with an authenticator app', () => {
  it('stages a challenge and answers mfa_required with its token; no session yet', async () => {
    const m = setup();
    m.credentials.findByLogin.mockResolvedValue({ user: { ...user, mfaEnabled: true }, passwordHash: 'h' });
    m.hasher.verify.mockResolvedValue(true);
    m.mfa.removeExpiredChallenges.mockResolvedValue(0);
    const error = (await m.service.login('ada', 'pw', client).catch((e: Error) => e)) as AppError;
    expect(error).toMatchObject({ code: 'mfa_required' });
    const { mfa_token: token, mfa_methods: methods } = error.options.extensions as Record<string, unknown>;
    expect(methods).toEqual(['totp', 'recovery_code']);
    const [challenge, digest] = m.mfa.addChallenge.mock.calls[0]!;
    expect(digest).toBe(tokenDigest(token as string));
    expect(challenge).toMatchObject({ userId: 'u-1', usedAt: null });
    expect(challenge.expiresAt.getTime() - challenge.createdAt.getTime()).toBe(300_000);
    expect(m.sessions.add).not.toHaveBeenCalled();
    expect(m.tokens.issueAccessToken).not.toHaveBeenCalled();
  });

  it('does not start the failure count over on the password alone, so the code step gets no fresh cap', async () => {
    const m = setup();
    m.credentials.findByLogin.mockResolvedValue({ user: { ...user, mfaEnabled: true }, passwordHash: 'h' });
    m.hasher.verify.mockResolvedValue(true);
    m.mfa.removeExpiredChallenges.mockResolvedValue(0);
    const codes = [];
    for (let i = 0; i <= LOGIN_LIMIT; i++)
      codes.push(await m.service.login('ada', 'pw', client).catch((e: AppError) => e.code));
    expect(codes).toEqual([...Array(LOGIN_LIMIT).fill('mfa_required'), 'rate_limited']);
  });
});

describe('AuthService.login brute-force cap', () => {
  const attacker = { userAgent: 'x', ip: '203.0.113.9' };
  const owner = { userAgent: 'x', ip: '198.51.100.7' };

  /** The account's password is 'right'; anything else fails. */
  function account() {
    const m = setup();
    m.credentials.findByLogin.mockResolvedValue({ user, passwordHash: 'h' });
    m.hasher.verify.mockImplementation(async (_hash, password) => password === 'right');
    const login = (password: string, from = attacker) => m.service.login('ada', password, from).catch((e: Error) => e);
    return { m, login };
  }

  it('answers 429 with Retry-After after the limit of failures, without checking the password', async () => {
    const { m, login } = account();
    for (let i = 0; i < LOGIN_LIMIT; i++) expect(await login('wrong')).toMatchObject({ code: 'unauthenticated' });
    const blocked = await login('right');
    expect(blocked).toMatchObject({ code: 'rate_limited' });
    const retryAfter = Number((blocked as AppError).options.headers?.['Retry-After']);
    expect(retryAfter).toBeGreaterThan(3_500);
    expect(retryAfter).toBeLessThanOrEqual(3_600);
    expect(m.hasher.verify).toHaveBeenCalledTimes(LOGIN_LIMIT);
  });

  it('counts an unknown name like an account, so a 429 does not tell whether it exists', async () => {
    const m = setup();
    m.credentials.findByLogin.mockResolvedValue(null);
    m.hasher.verify.mockResolvedValue(false);
    for (let i = 0; i < LOGIN_LIMIT; i++) await m.service.login('Ghost', 'pw', attacker).catch(() => undefined);
    await expect(m.service.login('ghost', 'pw', owner)).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('starts the count over after a success', async () => {
    const { login } = account();
    for (let i = 0; i < LOGIN_LIMIT - 1; i++) await login('wrong');
    expect(await login('right')).toMatchObject({ accessToken: 'access' });
    for (let i = 0; i < LOGIN_LIMIT - 1; i++) await login('wrong');
    expect(await login('right')).toMatchObject({ accessToken: 'access' });
  });

  it('still lets in a client that logged in to the account before, up to its own limit', async () => {
    const { login } = account();
    expect(await login('right', owner)).toMatchObject({ accessToken: 'access' });
    for (let i = 0; i < LOGIN_LIMIT; i++) await login('wrong', attacker);
    expect(await login('right', { userAgent: 'x', ip: '192.0.2.1' })).toMatchObject({ code: 'rate_limited' });
    expect(await login('right', owner)).toMatchObject({ accessToken: 'access' });
    for (let i = 0; i < LOGIN_LIMIT; i++) await login('wrong', owner);
    expect(await login('right', owner)).toMatchObject({ code: 'rate_limited' });
  });

  it('knows an IPv6 client by its /64, as its addresses rotate', async () => {
    const { login } = account();
    const from = (ip: string) => ({ userAgent: 'x', ip });
    expect(await login('right', from('2001:db8:1:2::10'))).toMatchObject({ accessToken: 'access' });
    for (let i = 0; i < LOGIN_LIMIT; i++) await login('wrong', attacker);
    expect(await login('right', from('2001:db8:1:3::10'))).toMatchObject({ code: 'rate_limited' });
    expect(await login('right', from('2001:db8:1:2:aaaa::beef'))).toMatchObject({ accessToken: 'access' });
  });
});

describe('AuthService.refresh', () => {
  const token = 'presented-token';
  const now = Date.now();
  const session = (overrides: Partial<Session> = {}): Session => ({
    id: 's-1',
    userId: 'u-1',
    createdAt: new Date(now - 60_000),
    lastUsedAt: new Date(now - 60_000),
    expiresAt: new Date(now + 60_000),
    userAgent: null,
    ip: null,
    revokedAt: null,
    amr: ['pwd'],
    ...overrides,
  });
  const record = (overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord => ({
    id: 'r-1',
    sessionId: 's-1',
    parentId: null,
    createdAt: new Date(now - 60_000),
    usedAt: null,
    ...overrides,
  });
  function live(m: ReturnType<typeof setup>, rec: RefreshTokenRecord, s = session()) {
    m.refreshTokens.findByDigestForUpdate.mockResolvedValue(rec);
    m.sessions.findById.mockResolvedValue(s);
    m.sessions.findLiveOwner.mockResolvedValue(user);
  }

  it('rotates an unused token into its derived successor', async () => {
    const m = setup();
    live(m, record());
    const pair = await m.service.refresh(token, client);
    expect(m.refreshTokens.findByDigestForUpdate).toHaveBeenCalledWith(tokenDigest(token));
    expect(pair.refreshToken).toBe(successorToken(secrets.refreshDerivation, token));
    expect(m.refreshTokens.markUsed).toHaveBeenCalledWith('r-1', expect.any(Date));
    expect(m.refreshTokens.add).toHaveBeenCalledWith(
      expect.objectContaining({ parentId: 'r-1', sessionId: 's-1' }),
      tokenDigest(pair.refreshToken),
    );
    expect(m.sessions.touch).toHaveBeenCalledWith('s-1', expect.any(Date));
  });

  it('answers a retry within the grace window with the same successor and writes nothing', async () => {
    const m = setup();
    live(m, record({ usedAt: new Date(now - 2_000) }));
    m.refreshTokens.findSuccessor.mockResolvedValue(record({ id: 'r-2', parentId: 'r-1' }));
    const pair = await m.service.refresh(token, client);
    expect(pair.refreshToken).toBe(successorToken(secrets.refreshDerivation, token));
    expect(m.refreshTokens.add).not.toHaveBeenCalled();
    expect(m.sessions.revoke).not.toHaveBeenCalled();
  });

  it.each([
    ['after the grace window', record({ usedAt: new Date(now - 60_000) }), record({ id: 'r-2' })],
    [
      'when the successor was itself used',
      record({ usedAt: new Date(now - 1_000) }),
      record({ id: 'r-2', usedAt: new Date() }),
    ],
  ])('treats a spent token presented %s as reuse: revokes the session', async (_when, spent, successor) => {
    const m = setup();
    live(m, spent);
    m.refreshTokens.findSuccessor.mockResolvedValue(successor);
    await expect(m.service.refresh(token, client)).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(m.sessions.revoke).toHaveBeenCalledWith('s-1', 'refresh_reuse', expect.any(Date));
    expect(m.tokens.issueAccessToken).not.toHaveBeenCalled();
  });

  it.each([
    ['revoked', session({ revokedAt: new Date(now - 1) })],
    ['past its absolute limit', session({ expiresAt: new Date(now - 1) })],
    ['idle too long', session({ lastUsedAt: new Date(now - 3_601_000) })],
  ])('refuses the token of a session that is %s', async (_what, s) => {
    const m = setup();
    live(m, record(), s);
    await expect(m.service.refresh(token, client)).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(m.refreshTokens.markUsed).not.toHaveBeenCalled();
  });

  it('refuses when the owner is gone or inactive', async () => {
    const m = setup();
    live(m, record());
    m.sessions.findLiveOwner.mockResolvedValue(null);
    await expect(m.service.refresh(token, client)).rejects.toMatchObject({ code: 'unauthenticated' });
  });
});
