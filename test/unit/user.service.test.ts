import { CursorCodec } from '../../src/core/cursor';
import { ForbiddenError, WeakPasswordError } from '../../src/core/errors';
import { RateLimits } from '../../src/core/rate-limit';
import { createLogger } from '../../src/core/logging';
import type { PasswordHasher } from '../../src/core/security';
import type { UnitOfWork } from '../../src/core/unit-of-work';
import type { Principal } from '../../src/models/domain/session';
import type { User } from '../../src/models/domain/user';
import type { UserRepository } from '../../src/repositories/user.repository';
import { CountingLoginThrottle } from '../../src/services/login-throttle';
import type { PasswordPolicy } from '../../src/services/password-policy';
import { Reauthentication } from '../../src/services/reauthentication';
import { UserService } from '../../src/services/user.service';
import { mockCredentials, mockSessions } from '../support/mocks';

/** Every method a jest.fn with no behaviour unless a test gives it one. */
function strictMocks() {
  const users: jest.Mocked<UserRepository> = {
    add: jest.fn(),
    findById: jest.fn(),
    existsByUsername: jest.fn(),
    hasAdmin: jest.fn(),
    update: jest.fn(),
    remove: jest.fn(),
    list: jest.fn(),
    lockActiveAdmins: jest.fn(),
  };
  const credentials = mockCredentials();
  const sessions = mockSessions();
  const hasher: jest.Mocked<PasswordHasher> = {
    hash: jest.fn(async (pw: string) => `hashed(${pw})`),
    verify: jest.fn(),
    check: jest.fn(),
  };
  const policy: jest.Mocked<PasswordPolicy> = { violation: jest.fn(), enforce: jest.fn() };
  const uow: jest.Mocked<UnitOfWork> = {
    commit: jest.fn(),
    afterCommit: jest.fn(),
    run: jest.fn(),
    transaction: jest.fn((work: () => Promise<unknown>) => work()) as jest.Mocked<UnitOfWork>['transaction'],
  };
  return { users, credentials, sessions, hasher, policy, uow };
}

function service(mocks: ReturnType<typeof strictMocks>, registrationOpen = true) {
  const { users, credentials, sessions, hasher, policy, uow } = mocks;
  const audit = { record: () => undefined };
  const cursors = new CursorCodec(Buffer.alloc(32, 1));
  const store = { redis: undefined, keyPrefix: 'test:' };
  const throttle = new CountingLoginThrottle(10, store);
  const reauth = new Reauthentication(credentials, hasher, throttle, audit);
  return new UserService(
    users,
    credentials,
    sessions,
    hasher,
    policy,
    uow,
    { registrationOpen },
    createLogger('silent'),
    audit,
    cursors,
    reauth,
    new RateLimits({ loginFailuresPerHour: 10, perIp: undefined, token: undefined, signup: undefined }, store),
    { removeTotp: jest.fn() },
  );
}

const input = { username: 'ada', email: 'ada@example.com', fullName: 'Ada', password: 'correct horse battery' };
const client = { ip: '203.0.113.9', userAgent: undefined };
const admin = (id: string): User => ({
  id,
  username: id,
  email: `${id}@example.com`,
  fullName: null,
  roles: ['admin'],
  isActive: true,
  mfaEnabled: false,
  createdAt: new Date(),
  updatedAt: new Date(),
});
const caller: Principal = {
  userId: 'u-1',
  sessionId: 's-1',
  roles: ['user'],
  user: { ...admin('u-1'), roles: ['user'] },
};

describe('UserService.register', () => {
  it('stages a new active user with the role user and a hash of the password', async () => {
    const mocks = strictMocks();
    const user = await service(mocks).register(input);

    expect(user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      username: 'ada',
      email: 'ada@example.com',
      fullName: 'Ada',
      roles: ['user'],
      isActive: true,
      mfaEnabled: false,
      createdAt: expect.any(Date),
      updatedAt: user.createdAt,
    });
    expect(mocks.hasher.hash).toHaveBeenCalledWith('correct horse battery');
    expect(mocks.users.add).toHaveBeenCalledTimes(1);
    expect(mocks.users.add).toHaveBeenCalledWith(user, 'hashed(correct horse battery)');
    expect(user).not.toHaveProperty('password');
  });

  it('gives every user its own id', async () => {
    const mocks = strictMocks();
    const a = await service(mocks).register(input);
    const b = await service(mocks).register({ ...input, username: 'bob', email: 'bob@example.com' });
    expect(a.id).not.toBe(b.id);
  });

  it('refuses a password the policy refuses, before hashing or staging anything', async () => {
    const mocks = strictMocks();
    mocks.policy.enforce.mockImplementation(() => {
      throw new WeakPasswordError('username', 'contains the username', '/body/password');
    });
    await expect(service(mocks).register(input)).rejects.toMatchObject({ code: 'weak_password', rule: 'username' });
    expect(mocks.policy.enforce).toHaveBeenCalledWith('correct horse battery', input, '/body/password');
    expect(mocks.hasher.hash).not.toHaveBeenCalled();
    expect(mocks.users.add).not.toHaveBeenCalled();
  });

  it('holds the admins of the CLI and ADMIN_PASSWORD to the same policy', async () => {
    const mocks = strictMocks();
    mocks.users.existsByUsername.mockResolvedValue(false);
    mocks.policy.enforce.mockImplementation(() => {
      throw new WeakPasswordError('common', 'is common', '/body/password');
    });
    await expect(service(mocks).ensureAdmin(input)).rejects.toBeInstanceOf(WeakPasswordError);
    expect(mocks.users.add).not.toHaveBeenCalled();
  });

  it('refuses when registration is closed, before hashing or staging anything', async () => {
    const mocks = strictMocks();
    await expect(service(mocks, false).register(input)).rejects.toBeInstanceOf(ForbiddenError);
    expect(mocks.hasher.hash).not.toHaveBeenCalled();
    expect(mocks.users.add).not.toHaveBeenCalled();
  });
});

describe('UserService.changePassword', () => {
  it('refuses a wrong current password and changes nothing', async () => {
    const mocks = strictMocks();
    mocks.credentials.getPasswordHash.mockResolvedValue('stored');
    mocks.hasher.verify.mockResolvedValue(false);
    await expect(service(mocks).changePassword(caller, 'wrong', 'new password 123', client)).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    expect(mocks.credentials.setPasswordHash).not.toHaveBeenCalled();
    expect(mocks.sessions.revokeAllOfUser).not.toHaveBeenCalled();
  });

  it('refuses a new password the policy refuses, once the current one is right, and changes nothing', async () => {
    const mocks = strictMocks();
    mocks.credentials.getPasswordHash.mockResolvedValue('stored');
    mocks.hasher.verify.mockResolvedValue(true);
    mocks.policy.enforce.mockImplementation(() => {
      throw new WeakPasswordError('email', 'contains the email address', '/body/new_password');
    });
    await expect(
      service(mocks).changePassword(caller, 'old password', 'u-1@example.com!!', client),
    ).rejects.toMatchObject({ code: 'weak_password', rule: 'email' });
    expect(mocks.policy.enforce).toHaveBeenCalledWith('u-1@example.com!!', caller.user, '/body/new_password');
    expect(mocks.hasher.hash).not.toHaveBeenCalled();
    expect(mocks.credentials.setPasswordHash).not.toHaveBeenCalled();
    expect(mocks.sessions.revokeAllOfUser).not.toHaveBeenCalled();
  });

  it('stores the new hash and ends every other session in one transaction', async () => {
    const mocks = strictMocks();
    mocks.credentials.getPasswordHash.mockResolvedValue('stored');
    mocks.hasher.verify.mockResolvedValue(true);
    mocks.sessions.revokeAllOfUser.mockResolvedValue(2);
    await service(mocks).changePassword(caller, 'old password', 'new password 123', client);
    expect(mocks.uow.transaction).toHaveBeenCalledTimes(1);
    expect(mocks.credentials.setPasswordHash).toHaveBeenCalledWith('u-1', 'hashed(new password 123)');
    expect(mocks.sessions.revokeAllOfUser).toHaveBeenCalledWith('u-1', 'password_changed', expect.any(Date), 's-1');
  });
});

describe('UserService admin rules', () => {
  it.each([
    ['deactivating', { isActive: false }],
    ['demoting', { roles: ['user' as const] }],
  ])('refuses %s the last active admin', async (_what, changes) => {
    const mocks = strictMocks();
    mocks.users.findById.mockResolvedValue(admin('a-1'));
    mocks.users.lockActiveAdmins.mockResolvedValue(['a-1']);
    await expect(service(mocks).update(caller, 'a-1', changes, client)).rejects.toMatchObject({ code: 'conflict' });
    expect(mocks.users.update).not.toHaveBeenCalled();
  });

  it('refuses deleting the last active admin', async () => {
    const mocks = strictMocks();
    mocks.users.findById.mockResolvedValue(admin('a-1'));
    mocks.users.lockActiveAdmins.mockResolvedValue(['a-1']);
    await expect(service(mocks).delete(caller, 'a-1', client)).rejects.toMatchObject({ code: 'conflict' });
    expect(mocks.users.remove).not.toHaveBeenCalled();
  });

  it('deactivates an admin while another remains, ending their sessions', async () => {
    const mocks = strictMocks();
    mocks.users.findById.mockResolvedValue(admin('a-1'));
    mocks.users.lockActiveAdmins.mockResolvedValue(['a-1', 'a-2']);
    mocks.users.update.mockResolvedValue({ ...admin('a-1'), isActive: false });
    await service(mocks).update(caller, 'a-1', { isActive: false }, client);
    expect(mocks.sessions.revokeAllOfUser).toHaveBeenCalledWith('a-1', 'deactivated', expect.any(Date));
  });

  it('does not lock admins for changes that keep the admin', async () => {
    const mocks = strictMocks();
    mocks.users.findById.mockResolvedValue(admin('a-1'));
    mocks.users.update.mockResolvedValue(admin('a-1'));
    await service(mocks).update(caller, 'a-1', { fullName: 'A' }, client);
    expect(mocks.users.lockActiveAdmins).not.toHaveBeenCalled();
    expect(mocks.sessions.revokeAllOfUser).not.toHaveBeenCalled();
  });
});

describe('UserService.list', () => {
  it('asks for one more than the page to know whether another follows, and round-trips the cursor', async () => {
    const mocks = strictMocks();
    const ids = [
      '00000000-0000-4000-8000-00000000000a',
      '00000000-0000-4000-8000-00000000000b',
      '00000000-0000-4000-8000-00000000000c',
    ];
    const rows = ids.map(admin);
    mocks.users.list.mockResolvedValue(rows);
    const page = await service(mocks).list({ limit: 2 });
    expect(mocks.users.list).toHaveBeenCalledWith(expect.objectContaining({ limit: 3, after: undefined }));
    expect(page.items).toEqual(rows.slice(0, 2));
    expect(page.nextCursor).toEqual(expect.any(String));

    mocks.users.list.mockResolvedValue([]);
    await service(mocks).list({ limit: 2, cursor: page.nextCursor! });
    expect(mocks.users.list).toHaveBeenLastCalledWith(
      expect.objectContaining({ after: { createdAt: rows[1]!.createdAt, id: ids[1] } }),
    );
  });

  it.each(['garbage', Buffer.from('["x","y"]').toString('base64url'), ''])(
    'refuses a cursor it did not make (%j)',
    async (cursor) => {
      const mocks = strictMocks();
      await expect(service(mocks).list({ limit: 2, cursor })).rejects.toMatchObject({ code: 'validation_failed' });
      expect(mocks.users.list).not.toHaveBeenCalled();
    },
  );
});
