import type { Inputs } from '../../../generated/operations';
import type { SecondFactor } from '../domain/mfa';

export type MfaLoginRequest = Inputs['completeMfaLogin']['body'];

/** The spec allows exactly one of the two (oneOf), so the request names one. */
export function toSecondFactor(body: MfaLoginRequest): SecondFactor {
  return 'code' in body ? { code: body.code } : { recoveryCode: body.recovery_code };
}
