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

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** True when `hash` was made with other parameters than today's. */
  needsRehash(hash: string): boolean;
}

export class Argon2PasswordHasher implements PasswordHasher {
  constructor(private readonly options: typeof ARGON2_OPTIONS = ARGON2_OPTIONS) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, this.options);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false; // a malformed stored hash never matches
    }
  }

  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, this.options);
  }
}
