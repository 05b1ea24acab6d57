import { randomBytes, randomUUID } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import {
  AUDIT,
  CONFIG,
  CREDENTIAL_REPOSITORY,
  MFA_REPOSITORY,
  PASSWORD_HASHER,
  REFRESH_TOKEN_REPOSITORY,
  SECRET_KEYS,
  SESSION_REPOSITORY,
  UNIT_OF_WORK,
  USER_REPOSITORY,
} from '../container.tokens';
import type { Audit } from '../core/audit';
import { CLOCK, type Clock } from '../core/clock';
import { tooManyRequests } from '../core/rate-limit';
import type { Config } from '../core/config';
import { AppError, NotFoundError } from '../core/errors';
import { newRefreshToken, successorToken, tokenDigest, type PasswordHasher, type SecretKeys } from '../core/security';
import type { UnitOfWork } from '../core/unit-of-work';
import type { SecondFactor } from '../models/domain/mfa';
import type { AccessGrant, AuthMethod, ClientInfo, Principal, Session, TokenPair } from '../models/domain/session';
import { loginKey, type User } from '../models/domain/user';
import type { MfaRepository } from '../repositories/mfa.repository';
import type { RefreshTokenRepository, SessionRepository } from '../repositories/session.repository';
import type { CredentialRepository, UserRepository } from '../repositories/user.repository';
import { LOGIN_THROTTLE, type LoginThrottle } from './login-throttle';
import { MfaService } from './mfa.service';
import { TokenService } from './token.service';

const BAD_CREDENTIALS = 'The username or password is incorrect.';
const BAD_REFRESH = 'The refresh token is invalid or expired.';
const BAD_MFA = 'The mfa_token is invalid or expired, or the code is incorrect.';
/** How long the second step of a login may wait for its code. */
export const MFA_TOKEN_TTL_S = 300;
export const MFA_METHODS = ['totp', 'recovery_code'] as const;

type RefreshOutcome =
  | { kind: 'invalid' }
  | { kind: 'reused'; sessionId: string; userId: string }
  | { kind: 'rotated'; refreshToken: string; principal: AccessGrant };

@injectable()
export class AuthService {
  /** Verified against when the user does not exist, so that case takes as long as a wrong password. */
  private readonly dummyHash: Promise<string>;

  constructor(
    @inject(CREDENTIAL_REPOSITORY) private readonly credentials: CredentialRepository,
    @inject(SESSION_REPOSITORY) private readonly sessions: SessionRepository,
    @inject(REFRESH_TOKEN_REPOSITORY) private readonly refreshTokens: RefreshTokenRepository,
    @inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @inject(TokenService) private readonly tokens: TokenService,
    @inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @inject(SECRET_KEYS) private readonly secrets: SecretKeys,
    @inject(CONFIG) private readonly config: Pick<Config, 'auth'>,
    @inject(AUDIT) private readonly audit: Audit,
    @inject(LOGIN_THROTTLE) private readonly throttle: LoginThrottle,
    @inject(MFA_REPOSITORY) private readonly mfa: MfaRepository,
    @inject(USER_REPOSITORY) private readonly users: Pick<UserRepository, 'findById'>,
    @inject(MfaService) private readonly factors: Pick<MfaService, 'verify'>,
    @inject(CLOCK) private readonly clock: Clock,
  ) {
    this.dummyHash = hasher.hash(randomBytes(32).toString('base64url'));
  }

  /**
   * Username or email plus password -> a new session. Every failure is the
   * same 401; too many in a row on one account are a 429 until the hour is up.
   */
  async login(login: string, password: string, client: ClientInfo): Promise<TokenPair> {
    const found = await this.credentials.findByLogin(login);
    // An unknown name is counted too, by name, so the answer does not tell which accounts exist.
    const account = found?.user.id ?? `login:${loginKey(login)}`;
    const blocked = await this.throttle.attempt(account, client.ip);
    if (blocked) {
      const subject = found?.user.id ?? null;
      this.audit.record({ event: 'login.throttled', actor: null, subject, ip: client.ip });
      throw tooManyRequests(blocked, 'Too many failed logins for this account; retry after Retry-After seconds.');
    }
    const { matches, rehash } = await this.hasher.check(found?.passwordHash ?? (await this.dummyHash), password);
    if (!found || !matches || !found.user.isActive) {
      // The login name typed is left out: it is sometimes a password typed in the wrong field.
      const subject = found?.user.id ?? null;
      this.audit.record({ event: 'login.failed', actor: null, subject, ip: client.ip });
      throw new AppError('unauthenticated', BAD_CREDENTIALS);
    }
    const { user } = found;
    if (user.mfaEnabled) {
      // The failure count is not reset by the password alone: the code step would otherwise get a
      // fresh cap of guesses after every right password.
      const mfaToken = await this.uow.transaction(async () => {
        if (rehash) await this.credentials.setPasswordHash(user.id, await this.hasher.hash(password));
        return this.challenge(user, client);
      });
      throw new AppError(
        'mfa_required',
        'The password is right; complete the login with a code at POST /v1/auth/mfa.',
        {
          extensions: { mfa_token: mfaToken, mfa_methods: [...MFA_METHODS] },
        },
      );
    }
    await this.throttle.succeeded(account, client.ip);
    if (rehash) {
      await this.credentials.setPasswordHash(user.id, await this.hasher.hash(password));
    }
    const opened = this.openSession(user, ['pwd'], client);
    return this.pair(opened.grant, opened.refreshToken);
  }

  /** The password was right and the user has an authenticator app: the second step's token. */
  private async challenge(user: User, client: ClientInfo): Promise<string> {
    const now = this.clock.now();
    const token = newRefreshToken();
    await this.mfa.removeExpiredChallenges(user.id, now);
    const expiresAt = new Date(now.getTime() + MFA_TOKEN_TTL_S * 1000);
    this.mfa.addChallenge(
      { id: randomUUID(), userId: user.id, createdAt: now, expiresAt, usedAt: null },
      tokenDigest(token),
    );
    this.audit.record({ event: 'login.mfa_required', actor: null, subject: user.id, ip: client.ip });
    return token;
  }

  /**
   * The second step of a login: an unspent, unexpired `mfa_token` and a right code open the
   * session. Every failure is the same 401; wrong codes count toward the account's cap.
   */
  async completeMfa(mfaToken: string, factor: SecondFactor, client: ClientInfo): Promise<TokenPair> {
    const opened = await this.uow.transaction(async () => {
      const now = this.clock.now();
      const challenge = await this.mfa.findChallengeForUpdate(tokenDigest(mfaToken));
      if (!challenge || challenge.usedAt !== null || challenge.expiresAt <= now) return null;
      const owner = await this.users.findById(challenge.userId);
      if (!owner?.isActive || !(await this.factors.verify(challenge.userId, factor, client))) return null;
      await this.mfa.markChallengeUsed(challenge.id, now);
      return this.openSession(owner, ['pwd', 'otp'], client, 'recoveryCode' in factor ? 'recovery_code' : 'totp');
    });
    if (!opened) throw new AppError('unauthenticated', BAD_MFA);
    // Signed after the transaction: loading the signing keys takes a connection of its own.
    return this.pair(opened.grant, opened.refreshToken);
  }

  /** A new session and its first refresh token, staged for the unit of work to write. */
  private openSession(
    user: User,
    amr: AuthMethod[],
    client: ClientInfo,
    mfa?: string,
  ): { grant: AccessGrant; refreshToken: string } {
    const now = this.clock.now();
    const session: Session = {
      id: randomUUID(),
      userId: user.id,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + this.config.auth.sessionTtlS * 1000),
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      ip: client.ip?.slice(0, 64) ?? null,
      revokedAt: null,
      amr,
    };
    this.sessions.add(session);
    const refreshToken = newRefreshToken();
    this.refreshTokens.add(
      { id: randomUUID(), sessionId: session.id, parentId: null, createdAt: now, usedAt: null },
      tokenDigest(refreshToken),
    );
    this.audit.record({
      event: 'login.succeeded',
      actor: user.id,
      subject: user.id,
      ip: client.ip,
      details: { session_id: session.id, ...(mfa ? { mfa } : {}) },
    });
    return { grant: { userId: user.id, sessionId: session.id, roles: user.roles, amr, authTime: now }, refreshToken };
  }

  /**
   * Rotates a refresh token. A token already rotated revokes its session,
   * unless it is presented again within the grace window while its successor
   * is unused: then the same successor is returned (a racing or retrying client).
   */
  async refresh(refreshToken: string, client: ClientInfo): Promise<TokenPair> {
    const outcome = await this.uow.transaction(() => this.rotate(refreshToken, new Date()));
    if (outcome.kind === 'rotated') return this.pair(outcome.principal, outcome.refreshToken);
    if (outcome.kind === 'reused') {
      this.audit.record({
        event: 'refresh.reuse_detected',
        actor: null,
        subject: outcome.userId,
        ip: client.ip,
        details: { session_id: outcome.sessionId, session_revoked: true },
      });
    }
    throw new AppError('unauthenticated', BAD_REFRESH);
  }

  private async rotate(token: string, now: Date): Promise<RefreshOutcome> {
    const record = await this.refreshTokens.findByDigestForUpdate(tokenDigest(token));
    if (!record) return { kind: 'invalid' };
    const session = await this.sessions.findById(record.sessionId);
    const owner = session && this.isFresh(session, now) ? await this.sessions.findLiveOwner(session.id, now) : null;
    if (!session || !owner) return { kind: 'invalid' };

    const successor = successorToken(this.secrets.refreshDerivation, token);
    const principal = {
      userId: owner.id,
      sessionId: session.id,
      roles: owner.roles,
      amr: session.amr,
      authTime: session.createdAt,
    };
    if (record.usedAt === null) {
      await this.refreshTokens.markUsed(record.id, now);
      this.refreshTokens.add(
        { id: randomUUID(), sessionId: session.id, parentId: record.id, createdAt: now, usedAt: null },
        tokenDigest(successor),
      );
      await this.sessions.touch(session.id, now);
      return { kind: 'rotated', refreshToken: successor, principal };
    }
    const next = await this.refreshTokens.findSuccessor(record.id);
    const inGrace = now.getTime() - record.usedAt.getTime() <= this.config.auth.refreshGraceS * 1000;
    if (inGrace && next && next.usedAt === null) return { kind: 'rotated', refreshToken: successor, principal };
    await this.sessions.revoke(session.id, 'refresh_reuse', now);
    return { kind: 'reused', sessionId: session.id, userId: owner.id };
  }

  async logout(principal: Principal, client: ClientInfo): Promise<void> {
    await this.sessions.revoke(principal.sessionId, 'logout', new Date());
    this.recordRevoked(principal, principal.sessionId, 'logout', client);
  }

  async listSessions(principal: Principal): Promise<Session[]> {
    const now = new Date();
    return (await this.sessions.listLive(principal.userId, now)).filter((s) => this.isFresh(s, now));
  }

  /** Another user's session is reported as missing, like one that does not exist. */
  async revokeSession(principal: Principal, sessionId: string, client: ClientInfo): Promise<void> {
    const session = await this.sessions.findById(sessionId);
    const now = new Date();
    if (!session || session.userId !== principal.userId || !this.isFresh(session, now)) {
      throw new NotFoundError('No such session.');
    }
    await this.sessions.revoke(sessionId, 'revoked_by_user', now);
    this.recordRevoked(principal, sessionId, 'revoked_by_user', client);
  }

  private recordRevoked(principal: Principal, sessionId: string, reason: string, client: ClientInfo): void {
    const { userId } = principal;
    const details = { session_id: sessionId, reason };
    this.audit.record({ event: 'session.revoked', actor: userId, subject: userId, ip: client.ip, details });
  }

  /** The one database lookup of an authenticated request: is the token's session live, and whose is it? */
  async principalFor(claims: { sub?: unknown; sid?: unknown }): Promise<Principal | null> {
    if (typeof claims.sid !== 'string' || typeof claims.sub !== 'string') return null;
    const owner = await this.sessions.findLiveOwner(claims.sid, new Date());
    if (!owner || owner.id !== claims.sub) return null;
    return { userId: owner.id, sessionId: claims.sid, roles: owner.roles, user: owner };
  }

  private isFresh(session: Session, now: Date): boolean {
    const idleEnd = session.lastUsedAt.getTime() + this.config.auth.sessionIdleTtlS * 1000;
    return session.revokedAt === null && session.expiresAt > now && idleEnd > now.getTime();
  }

  private async pair(principal: AccessGrant, refreshToken: string): Promise<TokenPair> {
    const { token, expiresIn } = await this.tokens.issueAccessToken(principal);
    return { accessToken: token, expiresIn, refreshToken };
  }
}
