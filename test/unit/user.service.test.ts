import { ForbiddenError } from '../../src/core/errors';
import type { PasswordHasher } from '../../src/core/security';
import type { UserRepository } from '../../src/repositories/user.repository';
import { UserService } from '../../src/services/user.service';

function strictMocks() {
  const users: jest.Mocked<UserRepository> = { add: jest.fn() };
  const hasher: jest.Mocked<PasswordHasher> = {
    hash: jest.fn(async (pw: string) => `hashed(${pw})`),
    verify: jest.fn(),
    needsRehash: jest.fn(),
  };
  return { users, hasher };
}

const input = { username: 'ada', email: 'ada@example.com', fullName: 'Ada', password: 'correct horse battery' };

describe('UserService.register', () => {
  it('stages a new active user with the role user and a hash of the password', async () => {
    const { users, hasher } = strictMocks();
    const service = new UserService(users, hasher, { registrationOpen: true });

    const user = await service.register(input);

    expect(user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      username: 'ada',
      email: 'ada@example.com',
      fullName: 'Ada',
      roles: ['user'],
      isActive: true,
      createdAt: expect.any(Date),
      updatedAt: user.createdAt,
    });
    expect(hasher.hash).toHaveBeenCalledWith('correct horse battery');
    expect(users.add).toHaveBeenCalledTimes(1);
    expect(users.add).toHaveBeenCalledWith(user, 'hashed(correct horse battery)');
    expect(user).not.toHaveProperty('password');
    expect(hasher.verify).not.toHaveBeenCalled();
  });

  it('gives every user its own id', async () => {
    const { users, hasher } = strictMocks();
    const service = new UserService(users, hasher, { registrationOpen: true });
    const a = await service.register(input);
    const b = await service.register({ ...input, username: 'bob', email: 'bob@example.com' });
    expect(a.id).not.toBe(b.id);
  });

  it('refuses when registration is closed, before hashing or staging anything', async () => {
    const { users, hasher } = strictMocks();
    const service = new UserService(users, hasher, { registrationOpen: false });
    await expect(service.register(input)).rejects.toBeInstanceOf(ForbiddenError);
    expect(hasher.hash).not.toHaveBeenCalled();
    expect(users.add).not.toHaveBeenCalled();
  });
});
