import type { Express } from 'express';
import request from 'supertest';
import type { Schemas } from '../../generated/operations';
import { UNIT_OF_WORK } from '../../src/container.tokens';
import type { UnitOfWork } from '../../src/core/unit-of-work';
import { UserService } from '../../src/services/user.service';
import { userCreate } from '../factories/user.factory';
import type { TestApp } from './app';

export interface LoggedIn {
  input: Schemas['UserCreate'];
  user: Schemas['User'];
  tokens: Schemas['TokenResponse'];
  /** The Authorization header value. */
  bearer: string;
}

/** Every password and token these helpers handled, to check that none of them reaches a log line. */
export const handledSecrets = new Set<string>();

export async function login(app: Express, username: string, password: string): Promise<Schemas['TokenResponse']> {
  handledSecrets.add(password);
  const res = await request(app).post('/v1/auth/token').send({ username, password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  handledSecrets.add(res.body.access_token).add(res.body.refresh_token);
  return res.body;
}

/** Signs a new user up and logs them in. */
export async function newUser(app: Express, overrides: Partial<Schemas['UserCreate']> = {}): Promise<LoggedIn> {
  const input = userCreate(overrides);
  const created = await request(app).post('/v1/users').send(input);
  if (created.status !== 201) throw new Error(`sign-up failed: ${created.status} ${created.text}`);
  const tokens = await login(app, input.username, input.password);
  return { input, user: created.body, tokens, bearer: `Bearer ${tokens.access_token}` };
}

/** Creates an admin the way start-up and the CLI do, and logs them in. */
export async function newAdmin(t: TestApp): Promise<LoggedIn> {
  const input = userCreate();
  const uow = t.container.resolve<UnitOfWork>(UNIT_OF_WORK);
  const admin = await uow.run(() => t.container.resolve(UserService).ensureAdmin({ ...input, fullName: null }));
  if (!admin) throw new Error('admin not created');
  const tokens = await login(t.app, input.username, input.password);
  const user = (await request(t.app).get('/v1/users/me').set('authorization', `Bearer ${tokens.access_token}`)).body;
  return { input, user, tokens, bearer: `Bearer ${tokens.access_token}` };
}

export async function refresh(app: Express, refreshToken: string) {
  const res = await request(app).post('/v1/auth/refresh').send({ refresh_token: refreshToken });
  if (res.status === 200) handledSecrets.add(res.body.access_token).add(res.body.refresh_token);
  return res;
}
