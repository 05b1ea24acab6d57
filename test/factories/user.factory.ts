import { randomBytes } from 'node:crypto';
import type { Schemas } from '../../generated/operations';

let sequence = 0;

/** A valid sign-up body, unique across the whole test run. */
export function userCreate(overrides: Partial<Schemas['UserCreate']> = {}): Schemas['UserCreate'] {
  const tag = `${(sequence++).toString(36)}${randomBytes(4).toString('hex')}`;
  return {
    username: `user_${tag}`,
    email: `user_${tag}@example.com`,
    password: `pw-${randomBytes(12).toString('base64url')}`,
    full_name: 'Test User',
    ...overrides,
  };
}
