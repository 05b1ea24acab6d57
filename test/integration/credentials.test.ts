import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { handledSecrets } from '../support/auth';
import { userCreate } from '../factories/user.factory';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const token = (username: string, password: string) =>
  request(t.app).post('/v1/auth/token').send({ username, password });

/** ASVS 2.1.2-2.1.4: long passwords, any Unicode, never truncated. */
describe('passwords as typed', () => {
  it.each([64, 128])('accepts %i characters, emoji and other scripts included, and uses every one', async (length) => {
    const chars = [...`🔑 Schlüssel ключ 鍵 ${randomBytes(24).toString('base64url')}`.repeat(4)].slice(0, length);
    const typed = chars.join('');
    expect(chars).toHaveLength(length);
    handledSecrets.add(typed);
    const user = userCreate({ password: typed });
    expect((await request(t.app).post('/v1/users').send(user)).status).toBe(201);
    expect((await token(user.username, typed)).status).toBe(200);
    // a different last character, or one fewer: no prefix of the password is enough
    expect((await token(user.username, `${chars.slice(0, -1).join('')}y`)).status).toBe(401);
    expect((await token(user.username, chars.slice(0, -1).join(''))).status).toBe(401);
  });
});
