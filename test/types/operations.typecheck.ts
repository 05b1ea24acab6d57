/**
 * Compile-time tests of the generated bindings, checked by `tsc --noEmit`
 * (make check / typecheck). Each @ts-expect-error must meet an error, or tsc fails.
 */
import type { Handlers, Schemas, SystemHandlers, UsersHandlers } from '../../generated/operations';

const user: Schemas['User'] = {
  id: '00000000-0000-4000-8000-000000000000',
  username: 'ada',
  email: 'ada@example.com',
  full_name: null,
  roles: ['user'],
  is_active: true,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};

export const documented: UsersHandlers<unknown> = {
  createUser: async () => ({ status: 201, body: user, headers: { location: '/v1/users/x' } }),
};

export const undocumentedStatus: UsersHandlers<unknown> = {
  // @ts-expect-error 200 is not a documented response of createUser
  createUser: async () => ({ status: 200, body: user, headers: { location: '/v1/users/x' } }),
};

export const errorStatus: UsersHandlers<unknown> = {
  // @ts-expect-error error statuses are thrown as domain errors, never returned
  createUser: async () => ({ status: 409, body: user, headers: { location: '/v1/users/x' } }),
};

export const wrongBody: UsersHandlers<unknown> = {
  // @ts-expect-error the body must be a User
  createUser: async () => ({ status: 201, body: { id: 1 }, headers: { location: '/v1/users/x' } }),
};

export const missingHeader: UsersHandlers<unknown> = {
  // @ts-expect-error Location is a required header of the 201
  createUser: async () => ({ status: 201, body: user, headers: {} }),
};

// @ts-expect-error every operation of the tag needs a handler
export const missingHandler: SystemHandlers<unknown> = {
  getHealth: async () => ({ status: 200, body: { status: 'ok' } }),
};

// @ts-expect-error every tag needs its handlers
export const missingTag: Handlers<unknown> = { users: documented };
