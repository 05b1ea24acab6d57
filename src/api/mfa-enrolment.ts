import { AppError } from '../core/errors';
import type { Principal } from '../models/domain/session';
import type { Role } from '../models/domain/user';

/**
 * What a user who must enrol (MFA_REQUIRED_ROLES) may still do: see their
 * account, enrol, look after their sessions and log out. Anything else is 403.
 */
export const ALLOWED_BEFORE_ENROLMENT: ReadonlySet<string> = new Set([
  'getMe',
  'startTotpEnrolment',
  'confirmTotpEnrolment',
  'listMySessions',
  'revokeMySession',
  'logout',
]);

/** The check the router runs on every authenticated request; nothing when no role requires MFA. */
export function mfaEnrolmentGate(requiredRoles: readonly Role[]): (operationId: string, caller: Principal) => void {
  if (requiredRoles.length === 0) return () => undefined;
  return (operationId, caller) => {
    if (caller.user.mfaEnabled || ALLOWED_BEFORE_ENROLMENT.has(operationId)) return;
    if (!caller.roles.some((role) => requiredRoles.includes(role))) return;
    throw new AppError(
      'mfa_enrolment_required',
      'Your role requires an authenticator app: enrol one at POST /v1/users/me/mfa/totp first.',
    );
  };
}
