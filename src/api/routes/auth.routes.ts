import { inject, injectable } from 'tsyringe';
import type { AuthHandlers, Inputs } from '../../../generated/operations';
import type { Principal } from '../../models/domain/session';
import { toSecondFactor } from '../../models/requests/mfa.requests';
import { toTokenResponse } from '../../models/responses/auth.responses';
import { AuthService } from '../../services/auth.service';
import { SigningKeyService } from '../../services/signing-key.service';
import type { RequestCtx } from '../dependencies';

const NO_STORE = { 'cache-control': 'no-store' } as const;

@injectable()
export class AuthRoutes implements AuthHandlers<RequestCtx, Principal> {
  constructor(
    @inject(AuthService) private readonly auth: AuthService,
    @inject(SigningKeyService) private readonly keys: SigningKeyService,
  ) {}

  async getJwks() {
    const keys = await this.keys.jwks();
    return { status: 200, body: { keys: keys as never }, headers: { 'cache-control': 'public, max-age=300' } } as const;
  }

  async createToken({ body }: Inputs['createToken'], ctx: RequestCtx) {
    const pair = await this.auth.login(body.username, body.password, ctx);
    return { status: 200, body: toTokenResponse(pair), headers: NO_STORE } as const;
  }

  async refreshToken({ body }: Inputs['refreshToken'], ctx: RequestCtx) {
    const pair = await this.auth.refresh(body.refresh_token, ctx);
    return { status: 200, body: toTokenResponse(pair), headers: NO_STORE } as const;
  }

  async logout({ principal }: Inputs<Principal>['logout'], ctx: RequestCtx) {
    await this.auth.logout(principal, ctx);
    return { status: 204 } as const;
  }

  async completeMfaLogin({ body }: Inputs['completeMfaLogin'], ctx: RequestCtx) {
    const pair = await this.auth.completeMfa(body.mfa_token, toSecondFactor(body), ctx);
    return { status: 200, body: toTokenResponse(pair), headers: NO_STORE } as const;
  }
}
