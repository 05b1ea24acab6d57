import type { Role } from '../models/domain/user';

/** Permissions an operation can require (x-permissions in the spec). */
export type Permission = 'users:read' | 'users:write';

/** Every role must be listed: the compiler checks it. Acting on oneself needs no permission. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  user: [],
  admin: ['users:read', 'users:write'],
};

export function permissionsOf(roles: readonly Role[]): Set<Permission> {
  return new Set(roles.flatMap((role) => ROLE_PERMISSIONS[role] ?? []));
}

/** The permissions in `required` that `granted` lacks. */
export function missingPermissions(granted: ReadonlySet<string>, required: readonly string[]): string[] {
  return required.filter((p) => !granted.has(p));
}
