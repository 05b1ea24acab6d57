import type { Schemas } from '../../../generated/operations';
import type { User } from '../domain/user';

export type UserResponse = Schemas['User'];

export function toUserResponse(user: User): UserResponse {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    full_name: user.fullName,
    roles: user.roles,
    is_active: user.isActive,
    mfa_enabled: user.mfaEnabled,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}
