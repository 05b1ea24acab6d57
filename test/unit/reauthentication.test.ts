import type { AuditEvent } from '../../src/core/audit';
import { ForbiddenError } from '../../src/core/errors';
import type { PasswordHasher } from '../../src/core/security';
import type { Principal } from '../../src/models/domain/session';
import { CountingLoginThrottle } from '../../src/services/login-throttle';
import { Reauthentication } from '../../src/services/reauthentication';
import { mockCredentials } from '../support/mocks';

const caller = { userId: 'u-1', sessionId: 's-1', roles: ['user'] } as unknown as Principal;
const client = { ip: '203.0.113.9', userAgent: undefined };

function setup(limit = 2) {
  const credentials = mockCredentials();
  credentials.getPasswordHash.mockResolvedValue('stored');
  const hasher: jest.Mocked<PasswordHasher> = {
    hash: jest.fn(),
    verify: jest.fn(async (_hash: string, pw: string) => pw === 'the password'),
    check: jest.fn(),
  };
  const events: AuditEvent[] = [];
  const throttle = new CountingLoginThrottle(limit, { redis: undefined, keyPrefix: `reauth-${Math.random()}:` });
  const reauth = new Reauthentication(credentials, hasher, throttle, { record: (e) => events.push(e) });
  return { reauth, hasher, events };
}

describe('Reauthentication.confirm', () => {
  it('audits each wrong password, then refuses with 429 before verifying any more', async () => {
    const { reauth, hasher, events } = setup(2);
    for (let i = 0; i < 2; i++) {
      await expect(reauth.confirm(caller, 'a guess', client, 'change_password')).rejects.toBeInstanceOf(ForbiddenError);
    }
    await expect(reauth.confirm(caller, 'the password', client, 'change_password')).rejects.toMatchObject({
      code: 'rate_limited',
    });
    expect(hasher.verify).toHaveBeenCalledTimes(2);
    expect(events.map((e) => e.event)).toEqual(['reauth.failed', 'reauth.failed', 'reauth.throttled']);
    expect(events[0]).toEqual({
      event: 'reauth.failed',
      actor: 'u-1',
      subject: 'u-1',
      ip: client.ip,
      details: { operation: 'change_password' },
    });
  });

  it('starts the count over after the right password', async () => {
    const { reauth } = setup(2);
    await expect(reauth.confirm(caller, 'a guess', client, 'change_login')).rejects.toBeInstanceOf(ForbiddenError);
    await reauth.confirm(caller, 'the password', client, 'change_login');
    await expect(reauth.confirm(caller, 'a guess', client, 'change_login')).rejects.toBeInstanceOf(ForbiddenError);
    await reauth.confirm(caller, 'the password', client, 'change_login');
  });
});
