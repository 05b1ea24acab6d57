import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { inject, injectable } from 'tsyringe';
import { CONFIG } from '../container.tokens';
import type { Config } from '../core/config';
import type { AccessGrant, AuthMethod } from '../models/domain/session';
import { ALGORITHM, SigningKeyService } from './signing-key.service';

/** The claims of an access token besides the registered ones. */
export interface AccessClaims {
  sub: string;
  sid: string;
  roles: string[];
  /** How the session's login authenticated (RFC 8176). */
  amr: AuthMethod[];
  /** When that login happened, in seconds since the epoch (OpenID Connect's `auth_time`). */
  auth_time: number;
}

export const CLOCK_TOLERANCE_S = 5;

@injectable()
export class TokenService {
  constructor(
    @inject(SigningKeyService) private readonly keys: SigningKeyService,
    @inject(CONFIG) private readonly config: Pick<Config, 'auth'>,
  ) {}

  async issueAccessToken(principal: AccessGrant): Promise<{ token: string; expiresIn: number }> {
    const { kid, privateKey } = await this.keys.signingKey();
    const expiresIn = this.config.auth.accessTokenTtlS;
    const claims: Omit<AccessClaims, 'sub'> = {
      sid: principal.sessionId,
      roles: principal.roles,
      amr: principal.amr,
      auth_time: Math.floor(principal.authTime.getTime() / 1000),
    };
    const token = jwt.sign(claims, privateKey, {
      algorithm: ALGORITHM,
      keyid: kid,
      issuer: this.config.auth.issuer,
      audience: this.config.auth.audience,
      subject: principal.userId,
      expiresIn,
      jwtid: randomUUID(),
    });
    return { token, expiresIn };
  }

  /** What a verifier must insist on; anything else (alg none, HS256 with the public key, ...) is refused. */
  get verification() {
    return {
      algorithms: [ALGORITHM] as jwt.Algorithm[],
      issuer: this.config.auth.issuer,
      audience: this.config.auth.audience,
      clockTolerance: CLOCK_TOLERANCE_S,
    };
  }

  /**
   * The times of a token that passed verification make sense: jsonwebtoken checks `exp` and `nbf`
   * only when present, so a token signed without `exp` would never expire. Ours always have `iat` and
   * an `exp` exactly ACCESS_TOKEN_TTL_S later; anything else was not issued by issueAccessToken. A
   * lowered TTL therefore also refuses the longer-lived tokens issued before it (their clients refresh).
   */
  timesAcceptable(claims: { exp?: unknown; iat?: unknown }, nowS = Math.floor(Date.now() / 1000)): boolean {
    const { exp, iat } = claims;
    if (!Number.isInteger(exp) || !Number.isInteger(iat)) return false;
    const [expires, issued] = [exp as number, iat as number];
    return (
      issued <= nowS + CLOCK_TOLERANCE_S && expires > issued && expires - issued <= this.config.auth.accessTokenTtlS
    );
  }

  verificationKey(kid: string) {
    return this.keys.verificationKey(kid);
  }
}
