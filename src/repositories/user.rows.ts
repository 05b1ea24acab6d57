import type { Role, User } from '../models/domain/user';

/** The columns of a user the services may see, for plain SQL (never the password hash). */
export const USER_COLUMNS =
  'u.id, u.username, u.email, u.full_name, u.roles, u.is_active, u.mfa_enabled, u.created_at, u.updated_at';

export interface UserRow {
  id: string;
  username: string;
  email: string;
  full_name: string | null;
  roles: Role[];
  is_active: boolean;
  mfa_enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export function userFromRow(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    fullName: row.full_name,
    roles: row.roles,
    isActive: row.is_active,
    mfaEnabled: row.mfa_enabled,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
