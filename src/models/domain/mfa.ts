/** What proves the second factor of a login: a code from the authenticator app, or a recovery code. */
export type SecondFactor = { code: string } | { recoveryCode: string };

/** A started enrolment: the secret and the URI an authenticator app reads it from. */
export interface TotpEnrolment {
  secret: string;
  otpauthUri: string;
}
