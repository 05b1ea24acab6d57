import { inject, injectable } from 'tsyringe';
import type { Inputs, UsersHandlers } from '../../../generated/operations';
import type { Principal } from '../../models/domain/session';
import { toNewUser, toUserChanges } from '../../models/requests/user.requests';
import { toSessionResponse } from '../../models/responses/auth.responses';
import { toTotpEnrolmentResponse } from '../../models/responses/mfa.responses';
import { toUserResponse } from '../../models/responses/user.responses';
import { AuthService } from '../../services/auth.service';
import { MfaService } from '../../services/mfa.service';
import { UserService } from '../../services/user.service';
import type { RequestCtx } from '../dependencies';

type In<K extends keyof Inputs> = Inputs<Principal>[K];

const NO_STORE = { 'cache-control': 'no-store' } as const;

@injectable()
export class UsersRoutes implements UsersHandlers<RequestCtx, Principal> {
  constructor(
    @inject(UserService) private readonly users: UserService,
    @inject(AuthService) private readonly auth: AuthService,
    @inject(MfaService) private readonly mfa: MfaService,
  ) {}

  async createUser({ body }: In<'createUser'>) {
    const user = await this.users.register(toNewUser(body));
    return { status: 201, body: toUserResponse(user), headers: { location: `/v1/users/${user.id}` } } as const;
  }

  async listUsers({ query }: In<'listUsers'>) {
    const page = await this.users.list({ ...query, limit: query.limit ?? 20, isActive: query.is_active });
    return {
      status: 200,
      body: { items: page.items.map(toUserResponse), next_cursor: page.nextCursor },
    } as const;
  }

  async getMe({ principal }: In<'getMe'>) {
    return { status: 200, body: toUserResponse(this.users.me(principal)) } as const;
  }

  async updateMe({ principal, body }: In<'updateMe'>, ctx: RequestCtx) {
    const user = await this.users.updateMe(principal, toUserChanges(body), body.current_password, ctx);
    return { status: 200, body: toUserResponse(user) } as const;
  }

  async changePassword({ principal, body }: In<'changePassword'>, ctx: RequestCtx) {
    await this.users.changePassword(principal, body.current_password, body.new_password, ctx);
    return { status: 204 } as const;
  }

  async listMySessions({ principal }: In<'listMySessions'>) {
    const sessions = await this.auth.listSessions(principal);
    return { status: 200, body: { items: sessions.map((s) => toSessionResponse(s, principal.sessionId)) } } as const;
  }

  async revokeMySession({ principal, path }: In<'revokeMySession'>, ctx: RequestCtx) {
    await this.auth.revokeSession(principal, path.session_id, ctx);
    return { status: 204 } as const;
  }

  async getUser({ path }: In<'getUser'>) {
    return { status: 200, body: toUserResponse(await this.users.get(path.user_id)) } as const;
  }

  async updateUser({ principal, path, body }: In<'updateUser'>, ctx: RequestCtx) {
    const user = await this.users.update(principal, path.user_id, toUserChanges(body), ctx);
    return { status: 200, body: toUserResponse(user) } as const;
  }

  async deleteUser({ principal, path }: In<'deleteUser'>, ctx: RequestCtx) {
    await this.users.delete(principal, path.user_id, ctx);
    return { status: 204 } as const;
  }

  async startTotpEnrolment({ principal }: In<'startTotpEnrolment'>) {
    const enrolment = await this.mfa.startEnrolment(principal);
    return { status: 201, body: toTotpEnrolmentResponse(enrolment), headers: NO_STORE } as const;
  }

  async confirmTotpEnrolment({ principal, body }: In<'confirmTotpEnrolment'>, ctx: RequestCtx) {
    const codes = await this.mfa.confirmEnrolment(principal, body.code, ctx);
    return { status: 200, body: { recovery_codes: codes }, headers: NO_STORE } as const;
  }

  async removeTotp({ principal, body }: In<'removeTotp'>, ctx: RequestCtx) {
    await this.mfa.remove(principal, body.current_password, ctx);
    return { status: 204 } as const;
  }

  async replaceRecoveryCodes({ principal, body }: In<'replaceRecoveryCodes'>, ctx: RequestCtx) {
    const codes = await this.mfa.replaceRecoveryCodes(principal, body.current_password, ctx);
    return { status: 200, body: { recovery_codes: codes }, headers: NO_STORE } as const;
  }
}
