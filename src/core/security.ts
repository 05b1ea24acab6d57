import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import argon2 from 'argon2';

/**
 * argon2id with the OWASP Password Storage Cheat Sheet's first parameter set
 * (19 MiB memory, 2 iterations, 1 lane).
 */
export const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * The one form a password is hashed, verified and judged in: Unicode NFKC, as NIST SP 800-63B
 * (5.1.1.2) suggests, so that the same password typed on another keyboard or system (composed
 * or decomposed accents, full-width or ligature forms) is the same password.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

export interface PasswordCheck {
  matches: boolean;
  /** Store `hash(password)` instead: made with other parameters than today's, or of an unnormalised form. */
  rehash: boolean;
}

export interface PasswordHasher {
  /** A hash of the normalised password. */
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** verify, and whether the stored hash should be replaced (see PasswordCheck). */
  check(hash: string, password: string): Promise<PasswordCheck>;
}

export class Argon2PasswordHasher implements PasswordHasher {
  constructor(private readonly options: typeof ARGON2_OPTIONS = ARGON2_OPTIONS) {}

  hash(password: string): Promise<string> {
    return argon2.hash(normalizePassword(password), this.options);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    return (await this.check(hash, password)).matches;
  }

  /**
   * The normalised form first. Hashes made before passwords were normalised are of the form as
   * typed then: the form as typed now, and its decomposed form (a password first typed with
   * decomposed accents and now with composed ones), are tried next, where they differ. Which forms
   * are tried depends on the input only, so an unknown user (the dummy hash) costs the same.
   */
  async check(hash: string, password: string): Promise<PasswordCheck> {
    const normalized = normalizePassword(password);
    if (await this.matches(hash, normalized)) return { matches: true, rehash: argon2.needsRehash(hash, this.options) };
    for (const legacy of new Set([password, password.normalize('NFD')])) {
      if (legacy !== normalized && (await this.matches(hash, legacy))) return { matches: true, rehash: true };
    }
    return { matches: false, rehash: false };
  }

  private async matches(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false; // a malformed stored hash never matches
    }
  }
}

/** Subkeys of MASTER_KEY, one per purpose, so no key serves two. */
export interface SecretKeys {
  /** AES-256-GCM key that encrypts signing keys at rest. */
  keyEncryption: Buffer;
  /** HMAC key that derives a refresh token's successor from it. */
  refreshDerivation: Buffer;
  /** HMAC key that signs pagination cursors. */
  cursorSigning: Buffer;
  /** AES-256-GCM key that encrypts TOTP secrets at rest. */
  totpEncryption: Buffer;
  /** HMAC key of recovery-code digests: a copy of the database alone cannot test guesses. */
  recoveryCodeDigest: Buffer;
}

export function deriveSecretKeys(masterKey: Buffer): SecretKeys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32));
  return {
    keyEncryption: derive('gatehouse signing-key encryption v1'),
    refreshDerivation: derive('gatehouse refresh-token derivation v1'),
    cursorSigning: derive('gatehouse cursor signing v1'),
    totpEncryption: derive('gatehouse totp-secret encryption v1'),
    recoveryCodeDigest: derive('gatehouse recovery-code digest v1'),
  };
}

/** `v1.<iv>.<tag>.<ciphertext>`, base64url; `context` is bound as associated data. */
export function encrypt(key: Buffer, plaintext: Buffer, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ciphertext]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function decrypt(key: Buffer, sealed: string, context: string): Buffer {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new Error('unknown sealed format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
}

/** An opaque refresh token: 256 random bits. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The successor of a refresh token: a retry of the same token derives the same successor. */
export function successorToken(key: Buffer, token: string): string {
  return createHmac('sha256', key).update(token).digest('base64url');
}

/** What is stored of a refresh token. Plain SHA-256 suffices: the token has 256 bits of entropy. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
