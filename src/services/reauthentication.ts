import { inject, injectable } from 'tsyringe';
import { AUDIT, CREDENTIAL_REPOSITORY, PASSWORD_HASHER } from '../container.tokens';
import type { Audit } from '../core/audit';
import { ForbiddenError } from '../core/errors';
import { tooManyRequests } from '../core/rate-limit';
import type { PasswordHasher } from '../core/security';
import type { ClientInfo, Principal } from '../models/domain/session';
import type { CredentialRepository } from '../repositories/user.repository';
import { LOGIN_THROTTLE, type LoginThrottle } from './login-throttle';

/** The operations that ask a signed-in user for the password again, as audit events name them. */
export type ReauthOperation = 'change_password' | 'change_login' | 'remove_mfa' | 'replace_recovery_codes';

/**
 * A signed-in caller proves again that it knows the account's password. Each
 * check counts toward the same failed-attempt cap as login (a stolen access
 * token must not become unlimited guesses, nor an argon2 CPU lever), and each
 * wrong password is audited.
 */
@injectable()
export class Reauthentication {
  constructor(
    @inject(CREDENTIAL_REPOSITORY) private readonly credentials: CredentialRepository,
    @inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @inject(LOGIN_THROTTLE) private readonly throttle: LoginThrottle,
    @inject(AUDIT) private readonly audit: Audit,
  ) {}

  /** 403 for a wrong password, 429 once the account's failures reach the cap (before any hashing). */
  async confirm(principal: Principal, password: string, client: ClientInfo, operation: ReauthOperation): Promise<void> {
    const { userId } = principal;
    const event = { actor: userId, subject: userId, ip: client.ip, details: { operation } };
    const blocked = await this.throttle.attempt(userId, client.ip);
    if (blocked) {
      this.audit.record({ event: 'reauth.throttled', ...event });
      throw tooManyRequests(blocked, 'Too many wrong passwords for this account; retry after Retry-After seconds.');
    }
    const hash = await this.credentials.getPasswordHash(userId);
    if (!hash || !(await this.hasher.verify(hash, password))) {
      this.audit.record({ event: 'reauth.failed', ...event });
      throw new ForbiddenError('The current password is incorrect.');
    }
    await this.throttle.succeeded(userId, client.ip);
  }
}
