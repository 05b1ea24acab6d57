import jwt from 'jsonwebtoken';

/** What a verified access token said, and which key verified it. */
export interface VerifiedToken<Claims> {
  claims: Claims;
  kid: string;
  /** Seconds since the epoch, as in the token. */
  exp: number;
}

/**
 * Access tokens already verified by this process. A client presents the same
 * token for its whole life, and checking its ECDSA signature is the costliest
 * step of an authenticated request, so a token seen before skips it. Keyed by
 * the token's exact text: those bytes would verify the same way again, as long
 * as their key still verifies (asked on every hit) and they have not expired
 * (checked on every hit, with the verifier's clock tolerance). Only tokens that
 * passed verification are kept, so nobody without a valid token can fill it;
 * and it is bounded all the same, the oldest entry going first.
 */
export class VerifiedTokens<Claims> {
  private readonly entries = new Map<string, VerifiedToken<Claims>>();

  constructor(
    private readonly capacity: number,
    private readonly clockToleranceS: number,
  ) {}

  /** The token's claims, when it was verified before, is unexpired, and `keyStillVerifies` its key. */
  async lookup(token: string, keyStillVerifies: (kid: string) => Promise<boolean>): Promise<Claims | undefined> {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (Math.floor(Date.now() / 1000) >= entry.exp + this.clockToleranceS) {
      this.entries.delete(token);
      return undefined;
    }
    return (await keyStillVerifies(entry.kid)) ? entry.claims : undefined;
  }

  /** Keeps a token that has just passed verification (one without `exp` or `kid` is not kept). */
  remember(token: string, claims: Claims & { exp?: unknown }): void {
    const kid = jwt.decode(token, { complete: true })?.header.kid;
    if (typeof claims.exp !== 'number' || kid === undefined) return;
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { claims, kid, exp: claims.exp });
  }

  get size(): number {
    return this.entries.size;
  }
}
