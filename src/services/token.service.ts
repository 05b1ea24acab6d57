import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { inject, injectable } from 'tsyringe';
import { CONFIG } from '../container.tokens';
import type { Config } from '../core/config';
import type { TokenSubject } from '../models/domain/session';
import { ALGORITHM, SigningKeyService } from './signing-key.service';

/** The claims of an access token besides the registered ones. */
export interface AccessClaims {
  sub: string;
  sid: string;
  roles: string[];
}

export const CLOCK_TOLERANCE_S = 5;

@injectable()
export class TokenService {
  constructor(
    @inject(SigningKeyService) private readonly keys: SigningKeyService,
    @inject(CONFIG) private readonly config: Pick<Config, 'auth'>,
  ) {}

  async issueAccessToken(principal: TokenSubject): Promise<{ token: string; expiresIn: number }> {
    const { kid, privateKey } = await this.keys.signingKey();
    const expiresIn = this.config.auth.accessTokenTtlS;
    const token = jwt.sign({ sid: principal.sessionId, roles: principal.roles }, privateKey, {
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

  verificationKey(kid: string) {
    return this.keys.verificationKey(kid);
  }
}
