/**
 * Compile-time tests of the generated bindings, checked by `tsc --noEmit`
 * (make check / typecheck). Each @ts-expect-error must meet an error, or tsc fails.
 */
import type { Handlers, Inputs, Schemas, SystemHandlers, UsersHandlers } from '../../generated/operations';

type CreateUser = Pick<UsersHandlers<unknown>, 'createUser'>;

const user: Schemas['User'] = {
  id: '00000000-0000-4000-8000-000000000000',
  username: 'ada',
  email: 'ada@example.com',
  full_name: null,
  roles: ['user'],
  is_active: true,
  mfa_enabled: false,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};

export const documented: CreateUser = {
  createUser: async () => ({ status: 201, body: user, headers: { location: '/v1/users/x' } }),
};

export const undocumentedStatus: CreateUser = {
  // @ts-expect-error 200 is not a documented response of createUser
  createUser: async () => ({ status: 200, body: user, headers: { location: '/v1/users/x' } }),
};

export const errorStatus: CreateUser = {
  // @ts-expect-error error statuses are thrown as domain errors, never returned
  createUser: async () => ({ status: 409, body: user, headers: { location: '/v1/users/x' } }),
};

export const wrongBody: CreateUser = {
  // @ts-expect-error the body must be a User
  createUser: async () => ({ status: 201, body: { id: 1 }, headers: { location: '/v1/users/x' } }),
};

export const missingHeader: CreateUser = {
  // @ts-expect-error Location is a required header of the 201
  createUser: async () => ({ status: 201, body: user, headers: {} }),
};

// @ts-expect-error every operation of the tag needs a handler
export const missingHandler: SystemHandlers<unknown> = {
  getHealth: async () => ({ status: 200, body: { status: 'ok' } }),
};

// @ts-expect-error every tag needs its handlers
export const missingTag: Handlers<unknown> = { users: {} as UsersHandlers<unknown> };

type Caller = { id: string };
export const principalTyped = (input: Inputs<Caller>['getMe']): string => input.principal.id;
// @ts-expect-error a public operation's input carries no principal
export const noPrincipal = (input: Inputs<Caller>['createUser']): string => input.principal.id;
// @ts-expect-error path parameters are typed from the spec
export const pathTyped = (input: Inputs<Caller>['getUser']): number => input.path.user_id;
