/** The few API calls a run makes to set the service up: sign-ups and logins. */
import { createHash } from 'node:crypto';

export interface Account {
  username: string;
  email: string;
  password: string;
}

/** The password is derived from the name (the same on every run) but does not contain it (the password policy). */
export function account(name: string): Account {
  const password = `bench ${createHash('sha256').update(name).digest('base64url').slice(0, 16)}`;
  return { username: name, email: `${name}@example.com`, password };
}

/** POST /v1/users; returns the new user's id. */
export async function signUp(base: string, who: Account): Promise<string> {
  const created = await postJson(base, '/v1/users', who, 201);
  return (created as { id: string }).id;
}

/** POST /v1/auth/token; returns an Authorization header value. */
export async function logIn(base: string, who: Account): Promise<string> {
  const body = { username: who.username, password: who.password };
  const { access_token: token } = (await postJson(base, '/v1/auth/token', body, 200)) as { access_token: string };
  return `Bearer ${token}`;
}

/** Signs up `count` users, a few at a time (each sign-up is an argon2 hash on the thread pool). */
export async function seedUsers(base: string, count: number): Promise<void> {
  const names = Array.from({ length: count }, (_, i) => `seed${process.pid}_${i}`);
  for (let i = 0; i < names.length; i += 4) {
    await Promise.all(names.slice(i, i + 4).map((name) => signUp(base, account(name))));
  }
}

/** GET with a bearer token, failing unless the answer is 200; returns the JSON body. */
export async function getJson(base: string, path: string, authorization: string): Promise<unknown> {
  const answer = await fetch(base + path, { headers: { authorization } });
  if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${await answer.text()}`);
  return answer.json();
}

async function postJson(base: string, path: string, body: object, expected: number): Promise<unknown> {
  const answer = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (answer.status !== expected) throw new Error(`POST ${path}: ${answer.status} ${await answer.text()}`);
  return answer.json();
}
