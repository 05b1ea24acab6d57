import type { Request } from 'express';
import { bearerAuth } from '../../src/api/dependencies';
import { missingPermissions, permissionsOf, ROLE_PERMISSIONS } from '../../src/core/permissions';

const req = (principal: unknown, permissions?: string[]) =>
  ({ principal, openapi: { schema: permissions ? { 'x-permissions': permissions } : {} } }) as unknown as Request;
const caller = (roles: string[]) => ({ userId: 'u', sessionId: 's', roles });

describe('role permissions', () => {
  it('gives admins the user-management permissions and users none beyond themselves', () => {
    expect([...permissionsOf(['admin'])].sort()).toEqual(['users:read', 'users:write']);
    expect(permissionsOf(['user']).size).toBe(0);
    expect(ROLE_PERMISSIONS.user).toEqual([]);
  });

  it('names what is missing', () => {
    expect(missingPermissions(new Set(['users:read']), ['users:read', 'users:write'])).toEqual(['users:write']);
    expect(missingPermissions(new Set(), [])).toEqual([]);
  });
});

describe('bearerAuth (the spec-driven guard)', () => {
  it('refuses an anonymous caller with 401', () => {
    expect(() => bearerAuth(req(undefined))).toThrow(expect.objectContaining({ status: 401 }));
  });

  it('refuses a caller without the operation permission with 403', () => {
    expect(() => bearerAuth(req(caller(['user']), ['users:read']))).toThrow(expect.objectContaining({ status: 403 }));
  });

  it('lets through a caller with the permission, or when none is required', () => {
    expect(bearerAuth(req(caller(['admin']), ['users:read', 'users:write']))).toBe(true);
    expect(bearerAuth(req(caller(['user'])))).toBe(true);
  });
});
