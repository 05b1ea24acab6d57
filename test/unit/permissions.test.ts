import type { Request } from 'express';
import { bearerAuth } from '../../src/api/dependencies';
import { missingPermissions, permissionsOf, ROLE_PERMISSIONS } from '../../src/core/permissions';

const req = (principal: unknown, permissions?: string[]) =>
  ({
    headers: principal ? { authorization: 'Bearer x' } : {},
    authenticate: async () => principal,
    openapi: { schema: permissions ? { 'x-permissions': permissions } : {} },
  }) as unknown as Request;
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
  it('refuses an anonymous caller with 401', async () => {
    await expect(bearerAuth(req(undefined))).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a caller without the operation permission with 403', async () => {
    await expect(bearerAuth(req(caller(['user']), ['users:read']))).rejects.toMatchObject({ status: 403 });
  });

  it('marks a database outage for the router instead of answering 401', async () => {
    const down = {
      headers: { authorization: 'Bearer x' },
      authenticate: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5432'), { code: 'ECONNREFUSED' });
      },
      openapi: { schema: {} },
    } as unknown as Request;
    await expect(bearerAuth(down)).resolves.toBe(true);
    expect(down.authUnavailable).toBeInstanceOf(Error);
    expect(down.principal).toBeUndefined();
  });

  it('lets through a caller with the permission, or when none is required, and sets the principal', async () => {
    const admin = req(caller(['admin']), ['users:read', 'users:write']);
    await expect(bearerAuth(admin)).resolves.toBe(true);
    expect(admin.principal).toEqual(caller(['admin']));
    await expect(bearerAuth(req(caller(['user'])))).resolves.toBe(true);
  });
});
