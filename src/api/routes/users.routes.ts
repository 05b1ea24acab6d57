import { inject, injectable } from 'tsyringe';
import type { Inputs, UsersHandlers } from '../../../generated/operations';
import { toNewUser } from '../../models/requests/user.requests';
import { toUserResponse } from '../../models/responses/user.responses';
import { UserService } from '../../services/user.service';
import type { RequestCtx } from '../dependencies';

@injectable()
export class UsersRoutes implements UsersHandlers<RequestCtx> {
  constructor(@inject(UserService) private readonly users: UserService) {}

  async createUser({ body }: Inputs['createUser']) {
    const user = await this.users.register(toNewUser(body));
    return { status: 201, body: toUserResponse(user), headers: { location: `/v1/users/${user.id}` } } as const;
  }
}
