import { createHmac, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as every common authenticator app reads an otpauth URI without parameters: SHA-1, 6 digits, 30 s. */
export const TOTP_SETTINGS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
/** Codes of the step before and after now's are accepted too: clocks drift, and people type slowly. */
export const TOTP_WINDOW = 1;
/** RFC 4226 recommends 160 bits, the size of SHA-1's output. */
const SECRET_BYTES = 20;

export const RECOVERY_CODE_COUNT = 10;
/** Lower-case letters and digits: 12 of them are 62 bits, typed as `xxxx-xxxx-xxxx`. */
const RECOVERY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A new secret, in base32 as apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** The `otpauth://totp/<issuer>:<account>?…` URI an authenticator app enrols from. */
export function otpauthUri(secret: string, issuer: string, account: string): string {
  return totp(secret, issuer, account).toString();
}

/** The step (counter) a time falls in. */
export function totpStep(at: Date): number {
  return Math.floor(at.getTime() / 1000 / TOTP_SETTINGS.period);
}

/** The code of a secret at a time (what the app would show then). */
export function totpCode(secret: string, at: Date): string {
  return totp(secret).generate({ timestamp: at.getTime() });
}

/** The step whose code `code` is, within TOTP_WINDOW steps of `at`; null when it is none of them. */
export function matchingStep(secret: string, code: string, at: Date): number | null {
  const delta = totp(secret).validate({ token: code, timestamp: at.getTime(), window: TOTP_WINDOW });
  return delta === null ? null : totpStep(at) + delta;
}

/** Ten new recovery codes as the user is shown them. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 12 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]);
    return [0, 4, 8].map((i) => chars.slice(i, i + 4).join('')).join('-');
  });
}

/** What is stored of a recovery code: a keyed digest of its one form (any case, dashes and spaces left out). */
export function recoveryCodeDigest(key: Buffer, code: string): string {
  const normalized = code.toLowerCase().replace(/[\s-]/g, '');
  return createHmac('sha256', key).update(normalized).digest('hex');
}

function totp(secret: string, issuer = '', label = 'Gatehouse'): TOTP {
  return new TOTP({ ...TOTP_SETTINGS, issuer, label, secret: Secret.fromBase32(secret) });
}
