import type { Inputs } from '../../../generated/operations';
import type { NewUser } from '../domain/user';

export type UserCreateRequest = Inputs['createUser']['body'];

export function toNewUser(body: UserCreateRequest): NewUser {
  return { username: body.username, email: body.email, fullName: body.full_name ?? null, password: body.password };
}
