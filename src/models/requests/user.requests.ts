import type { Inputs } from '../../../generated/operations';
import type { UserChanges } from '../../repositories/user.repository';
import type { NewUser } from '../domain/user';

export type UserCreateRequest = Inputs['createUser']['body'];
export type UserSelfUpdateRequest = Inputs['updateMe']['body'];
export type UserAdminUpdateRequest = Inputs['updateUser']['body'];

export function toNewUser(body: UserCreateRequest): NewUser {
  return { username: body.username, email: body.email, fullName: body.full_name ?? null, password: body.password };
}

/** Only the fields the request names; an absent field is left as it is. */
export function toUserChanges(body: UserSelfUpdateRequest | UserAdminUpdateRequest): UserChanges {
  const changes: UserChanges = {};
  if (body.username !== undefined) changes.username = body.username;
  if (body.email !== undefined) changes.email = body.email;
  if (body.full_name !== undefined) changes.fullName = body.full_name;
  if ('roles' in body && body.roles !== undefined) changes.roles = body.roles;
  if ('is_active' in body && body.is_active !== undefined) changes.isActive = body.is_active;
  if ('mfa_enabled' in body && body.mfa_enabled === false) changes.mfaEnabled = false;
  return changes;
}
