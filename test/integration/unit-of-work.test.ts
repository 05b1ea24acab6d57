import { randomUUID } from 'node:crypto';
import { ConflictError } from '../../src/core/errors';
import { UserEntity } from '../../src/db/entities/user.entity';
import { PreparedStatements } from '../../src/db/prepared';
import { MikroOrmUnitOfWork } from '../../src/db/session';
import type { User } from '../../src/models/domain/user';
import { MikroOrmUserRepository } from '../../src/repositories/mikro-orm-user.repository';
import { userCreate } from '../factories/user.factory';
import { startTestApp, type TestApp } from '../support/app';

let t: TestApp;
let uow: MikroOrmUnitOfWork;
let users: MikroOrmUserRepository;
beforeAll(async () => {
  t = await startTestApp();
  uow = new MikroOrmUnitOfWork(t.database.orm);
  users = new MikroOrmUserRepository(t.database.orm.em, new PreparedStatements(t.database));
});
afterAll(() => t.close());

function aUser(overrides: Partial<User> = {}): User {
  const { username, email } = userCreate();
  const now = new Date();
  return {
    id: randomUUID(),
    username,
    email,
    fullName: null,
    roles: ['user'],
    isActive: true,
    mfaEnabled: false,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}
const stored = (id: string) => t.database.orm.em.fork().count(UserEntity, { id });

describe('MikroOrmUnitOfWork', () => {
  it('commits what the work staged when it succeeds', async () => {
    const user = aUser();
    await uow.run(async () => users.add(user, 'hash'));
    expect(await stored(user.id)).toBe(1);
  });

  it('writes nothing when the work fails after staging', async () => {
    const user = aUser();
    await expect(
      uow.run(async () => {
        users.add(user, 'hash');
        throw new Error('later step failed');
      }),
    ).rejects.toThrow('later step failed');
    expect(await stored(user.id)).toBe(0);
  });

  it('gives each run its own context: a failed run leaves nothing behind for the next', async () => {
    const failed = aUser();
    await expect(
      uow.run(async () => {
        users.add(failed, 'hash');
        throw new Error('no');
      }),
    ).rejects.toThrow();
    const next = aUser();
    await uow.run(async () => users.add(next, 'hash'));
    expect(await stored(failed.id)).toBe(0);
    expect(await stored(next.id)).toBe(1);
  });

  it('turns a case-insensitive email clash into ConflictError naming the field, writing neither row', async () => {
    const first = aUser();
    await uow.run(async () => users.add(first, 'hash'));
    const clash = aUser({ email: first.email.toUpperCase() });
    const error = await uow.run(async () => users.add(clash, 'hash')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).field).toBe('email');
    expect(await stored(clash.id)).toBe(0);
  });

  it('refuses to touch the database outside a unit of work', async () => {
    expect(() => users.add(aUser(), 'hash')).toThrow(/global EntityManager/i);
  });
});

describe('MikroOrmUnitOfWork.afterCommit', () => {
  it('runs what waits for the commit once it succeeds, and not before', async () => {
    const ran: string[] = [];
    await uow.run(async () => {
      users.add(aUser(), 'hash');
      uow.afterCommit(() => ran.push('after'));
      ran.push('work done');
    });
    expect(ran).toEqual(['work done', 'after']);
  });

  it('never runs it when the commit fails', async () => {
    const taken = aUser();
    await uow.run(async () => users.add(taken, 'hash'));
    const ran: string[] = [];
    await expect(
      uow.run(async () => {
        users.add(aUser({ username: taken.username }), 'hash');
        uow.afterCommit(() => ran.push('after'));
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(ran).toEqual([]);
  });

  it('never runs it when the work fails, nor in the next context', async () => {
    const ran: string[] = [];
    await expect(
      uow.run(async () => {
        uow.afterCommit(() => ran.push('failed run'));
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    await uow.run(async () => users.add(aUser(), 'hash'));
    expect(ran).toEqual([]);
  });

  it('runs it at once outside any context', () => {
    const ran: string[] = [];
    uow.afterCommit(() => ran.push('now'));
    expect(ran).toEqual(['now']);
  });
});
