export const MFA_REPOSITORY = Symbol('MfaRepository');

/** A user's authenticator app as stored: the secret still sealed, recovery codes as digests. */
export interface TotpCredential {
  userId: string;
  /** `encrypt(totpEncryption, secret, 'totp:<userId>')` */
  secretEncrypted: string;
  /** Null until the enrolment is confirmed with a code. */
  confirmedAt: Date | null;
  /** The 30-second step of the last code accepted; a code of this step or an earlier one is refused. */
  lastUsedStep: number | null;
  recoveryCodeDigests: string[];
  createdAt: Date;
}

/** The pending second step of a login. */
export interface MfaChallenge {
  id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

/**
 * Second factors, on the privileged side like the password hashes: only the
 * MFA and auth services use it. Writes are staged and land when the unit of
 * work commits; the `ForUpdate` reads lock the row until the transaction ends.
 */
export interface MfaRepository {
  findTotpForUpdate(userId: string): Promise<TotpCredential | null>;
  /** Creates or replaces the user's credential, and sets the user's `mfa_enabled` to whether it is confirmed. */
  saveTotp(credential: TotpCredential): Promise<void>;
  /** Removes the user's credential, if any, and clears `mfa_enabled`; whether there was one. */
  removeTotp(userId: string): Promise<boolean>;
  addChallenge(challenge: MfaChallenge, digest: string): void;
  findChallengeForUpdate(digest: string): Promise<MfaChallenge | null>;
  markChallengeUsed(id: string, at: Date): Promise<void>;
  /** Forgets the user's challenges that expired before `now` (kept from piling up). */
  removeExpiredChallenges(userId: string, now: Date): Promise<number>;
}
