import type { Schemas } from '../../../generated/operations';
import type { TotpEnrolment } from '../domain/mfa';

export function toTotpEnrolmentResponse(enrolment: TotpEnrolment): Schemas['TotpEnrolment'] {
  return { secret: enrolment.secret, otpauth_uri: enrolment.otpauthUri };
}
