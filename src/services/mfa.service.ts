import { timingSafeEqual } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import { AUDIT, CONFIG, LOGIN_THROTTLE, SECRET_KEYS, SESSION_REPOSITORY, UNIT_OF_WORK } from '../container.tokens';
import type { Audit } from '../core/audit';
import { CLOCK, type Clock } from '../core/clock';
import type { Config } from '../core/config';
import { AppError, ForbiddenError } from '../core/errors';
import { tooManyRequests } from '../core/rate-limit';
import { decrypt, encrypt, type SecretKeys } from '../core/security';
import type { UnitOfWork } from '../core/unit-of-work';
import type { SecondFactor, TotpEnrolment } from '../models/domain/mfa';
import type { ClientInfo, Principal } from '../models/domain/session';
import { MFA_REPOSITORY, type MfaRepository, type TotpCredential } from '../repositories/mfa.repository';
import type { SessionRepository } from '../repositories/session.repository';
import type { LoginThrottle } from './login-throttle';
import { Reauthentication } from './reauthentication';
import { matchingStep, newRecoveryCodes, newTotpSecret, otpauthUri, recoveryCodeDigest } from './totp';

/**
 * The authenticator app (TOTP, RFC 6238) and recovery codes of a user. A code
 * is accepted once: the step of the last one accepted is kept, and only a later
 * step's code passes. Every code checked counts toward the account's
 * failed-attempt cap of login, before it is checked; a wrong one is audited.
 */
@injectable()
export class MfaService {
  constructor(
    @inject(MFA_REPOSITORY) private readonly mfa: MfaRepository,
    @inject(SESSION_REPOSITORY) private readonly sessions: SessionRepository,
    @inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @inject(SECRET_KEYS) private readonly secrets: SecretKeys,
    @inject(CONFIG) private readonly config: Pick<Config, 'mfa'>,
    @inject(AUDIT) private readonly audit: Audit,
    @inject(LOGIN_THROTTLE) private readonly throttle: LoginThrottle,
    @inject(Reauthentication) private readonly reauth: Pick<Reauthentication, 'confirm'>,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** A new secret, not active until confirmed; it replaces an unconfirmed one. */
  async startEnrolment(principal: Principal): Promise<TotpEnrolment> {
    const { userId, user } = principal;
    return this.uow.transaction(async () => {
      const current = await this.mfa.findTotpForUpdate(userId);
      if (current?.confirmedAt) throw new AppError('conflict', 'An authenticator app is already active.');
      const secret = newTotpSecret();
      await this.mfa.saveTotp({
        userId,
        secretEncrypted: encrypt(this.secrets.totpEncryption, Buffer.from(secret), sealContext(userId)),
        confirmedAt: null,
        lastUsedStep: null,
        recoveryCodeDigests: [],
        createdAt: this.clock.now(),
      });
      return { secret, otpauthUri: otpauthUri(secret, this.config.mfa.issuer, user.username) };
    });
  }

  /** A current code activates the app; the recovery codes are returned this once. */
  async confirmEnrolment(principal: Principal, code: string, client: ClientInfo): Promise<string[]> {
    const { userId } = principal;
    const codes = await this.uow.transaction(async () => {
      const credential = await this.mfa.findTotpForUpdate(userId);
      if (!credential || credential.confirmedAt) {
        throw new AppError('conflict', 'No enrolment is waiting for a code: start one first.');
      }
      await this.checkTotp(credential, code, client, 'confirm_enrolment', userId);
      const recoveryCodes = newRecoveryCodes();
      await this.mfa.saveTotp({
        ...credential,
        confirmedAt: this.clock.now(),
        recoveryCodeDigests: recoveryCodes.map((c) => recoveryCodeDigest(this.secrets.recoveryCodeDigest, c)),
      });
      return recoveryCodes;
    });
    this.audit.record({ event: 'mfa.enabled', actor: userId, subject: userId, ip: client.ip });
    return codes;
  }

  /** Needs the password; the app and the recovery codes go, and every other session of the caller ends. */
  async remove(principal: Principal, currentPassword: string, client: ClientInfo): Promise<void> {
    const { userId } = principal;
    await this.requireActive(userId);
    await this.reauth.confirm(principal, currentPassword, client, 'remove_mfa');
    const ended = await this.uow.transaction(async () => {
      await this.mfa.removeTotp(userId);
      return this.sessions.revokeAllOfUser(userId, 'mfa_removed', this.clock.now(), principal.sessionId);
    });
    const details = { sessions_ended: ended };
    this.audit.record({ event: 'mfa.disabled', actor: userId, subject: userId, ip: client.ip, details });
  }

  /** Needs the password; the old recovery codes stop working. */
  async replaceRecoveryCodes(principal: Principal, currentPassword: string, client: ClientInfo): Promise<string[]> {
    const { userId } = principal;
    await this.requireActive(userId);
    await this.reauth.confirm(principal, currentPassword, client, 'replace_recovery_codes');
    const codes = await this.uow.transaction(async () => {
      const credential = await this.mfa.findTotpForUpdate(userId);
      if (!credential?.confirmedAt) throw notActive();
      const recoveryCodes = newRecoveryCodes();
      const digests = recoveryCodes.map((c) => recoveryCodeDigest(this.secrets.recoveryCodeDigest, c));
      await this.mfa.saveTotp({ ...credential, recoveryCodeDigests: digests });
      return recoveryCodes;
    });
    this.audit.record({ event: 'mfa.recovery_codes_replaced', actor: userId, subject: userId, ip: client.ip });
    return codes;
  }

  /**
   * The second step of a login, inside the caller's transaction: true when the factor is right
   * (and is then spent), false when it is wrong or the user has no active app; 429 past the cap.
   */
  async verify(userId: string, factor: SecondFactor, client: ClientInfo): Promise<boolean> {
    const credential = await this.mfa.findTotpForUpdate(userId);
    if (!credential?.confirmedAt) return false;
    if ('code' in factor) {
      try {
        await this.checkTotp(credential, factor.code, client, 'login', null);
        return true;
      } catch (error) {
        if (error instanceof ForbiddenError) return false;
        throw error;
      }
    }
    await this.countAttempt(userId, client, 'login', null);
    const digest = recoveryCodeDigest(this.secrets.recoveryCodeDigest, factor.recoveryCode);
    const index = credential.recoveryCodeDigests.findIndex((d) => sameDigest(d, digest));
    if (index < 0) {
      this.recordFailure(userId, client, 'login', 'recovery_code', null);
      return false;
    }
    const recoveryCodeDigests = credential.recoveryCodeDigests.filter((_, i) => i !== index);
    await this.mfa.saveTotp({ ...credential, recoveryCodeDigests });
    await this.throttle.succeeded(userId, client.ip);
    return true;
  }

  /** Accepts `code` for a step later than the last one accepted, and records that step. 403 otherwise. */
  private async checkTotp(
    credential: TotpCredential,
    code: string,
    client: ClientInfo,
    operation: string,
    actor: string | null,
  ): Promise<void> {
    const { userId } = credential;
    await this.countAttempt(userId, client, operation, actor);
    const secret = decrypt(this.secrets.totpEncryption, credential.secretEncrypted, sealContext(userId)).toString();
    const step = matchingStep(secret, code, this.clock.now());
    if (step === null || (credential.lastUsedStep !== null && step <= credential.lastUsedStep)) {
      const reason = step === null ? 'totp' : 'totp_replayed';
      this.recordFailure(userId, client, operation, reason, actor);
      throw new ForbiddenError('The code is incorrect or was used already.');
    }
    await this.mfa.saveTotp({ ...credential, lastUsedStep: step });
    await this.throttle.succeeded(userId, client.ip);
  }

  private async countAttempt(userId: string, client: ClientInfo, operation: string, actor: string | null) {
    const blocked = await this.throttle.attempt(userId, client.ip);
    if (blocked) {
      const details = { operation };
      this.audit.record({ event: 'mfa.throttled', actor, subject: userId, ip: client.ip, details });
      throw tooManyRequests(blocked, 'Too many wrong codes for this account; retry after Retry-After seconds.');
    }
  }

  private recordFailure(userId: string, client: ClientInfo, operation: string, method: string, actor: string | null) {
    const details = { operation, method };
    this.audit.record({ event: 'mfa.failed', actor, subject: userId, ip: client.ip, details });
  }

  private async requireActive(userId: string): Promise<void> {
    const credential = await this.uow.transaction(() => this.mfa.findTotpForUpdate(userId));
    if (!credential?.confirmedAt) throw notActive();
  }
}

function notActive(): AppError {
  return new AppError('conflict', 'No authenticator app is active.');
}

/** Bound into each sealed secret, so a secret copied to another user's row does not open. */
function sealContext(userId: string): string {
  return `totp:${userId}`;
}

function sameDigest(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
