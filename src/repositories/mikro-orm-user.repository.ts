import { LockMode, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { UserEntity } from '../db/entities/user.entity';
import type { PreparedStatements, Statement } from '../db/prepared';
import type { User } from '../models/domain/user';
import type { CredentialRepository, UserChanges, UserListQuery, UserRepository } from './user.repository';
import { USER_COLUMNS, userFromRow, type UserRow } from './user.rows';

/**
 * Every login runs this. `lower(...) = lower($1)` is the form the unique
 * indexes are built on, so each side is an index lookup (ILIKE could use neither).
 */
const BY_LOGIN: Statement = {
  name: 'gatehouse_user_by_login',
  sql: `select ${USER_COLUMNS}, u.password_hash from users u
    where lower(u.username) = lower($1) or lower(u.email) = lower($1) limit 1`,
};

/**
 * The EntityManager given here is the global one; inside a request or a
 * transaction it resolves to that context's fork.
 */
export class MikroOrmUserRepository implements UserRepository, CredentialRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly sql: PreparedStatements,
  ) {}

  add(user: User, passwordHash: string): void {
    this.em.persist(this.em.create(UserEntity, { ...user, passwordHash }));
  }

  async findById(id: string): Promise<User | null> {
    const entity = await this.em.findOne(UserEntity, { id });
    return entity && toUser(entity);
  }

  async existsByUsername(username: string): Promise<boolean> {
    return (await this.em.count(UserEntity, { username: { $ilike: escapeLike(username) } })) > 0;
  }

  async update(id: string, changes: UserChanges): Promise<User | null> {
    const entity = await this.em.findOne(UserEntity, { id });
    if (!entity) return null;
    this.em.assign(entity, { ...changes, updatedAt: new Date() });
    return toUser(entity);
  }

  async remove(id: string): Promise<boolean> {
    const entity = await this.em.findOne(UserEntity, { id });
    if (!entity) return false;
    this.em.remove(entity);
    return true;
  }

  async list(query: UserListQuery): Promise<User[]> {
    const where: FilterQuery<UserEntity>[] = [];
    if (query.q) {
      const pattern = `%${escapeLike(query.q)}%`;
      where.push({ $or: [{ username: { $ilike: pattern } }, { email: { $ilike: pattern } }] });
    }
    if (query.role) where.push({ roles: { $contains: [query.role] } });
    if (query.isActive !== undefined) where.push({ isActive: query.isActive });
    if (query.after) {
      const { createdAt, id } = query.after;
      where.push({ $or: [{ createdAt: { $gt: createdAt } }, { createdAt, id: { $gt: id } }] });
    }
    const entities = await this.em.find(
      UserEntity,
      { $and: where },
      { orderBy: { createdAt: 'asc', id: 'asc' }, limit: query.limit },
    );
    return entities.map(toUser);
  }

  async lockActiveAdmins(): Promise<string[]> {
    const admins = await this.em.find(
      UserEntity,
      { roles: { $contains: ['admin'] }, isActive: true },
      { lockMode: LockMode.PESSIMISTIC_WRITE, fields: ['id'], orderBy: { id: 'asc' } },
    );
    return admins.map((a) => a.id);
  }

  async findByLogin(login: string): Promise<{ user: User; passwordHash: string } | null> {
    const [row] = await this.sql.rows<UserRow & { password_hash: string }>(BY_LOGIN, [login]);
    return row ? { user: userFromRow(row), passwordHash: row.password_hash } : null;
  }

  async getPasswordHash(userId: string): Promise<string | null> {
    const entity = await this.em.findOne(UserEntity, { id: userId }, { populate: ['passwordHash'] });
    return entity?.passwordHash ?? null;
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    const entity = await this.em.findOneOrFail(UserEntity, { id: userId }, { populate: ['passwordHash'] });
    this.em.assign(entity, { passwordHash, updatedAt: new Date() });
  }
}

/** Matches the text literally under ILIKE. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toUser(e: UserEntity): User {
  return {
    id: e.id,
    username: e.username,
    email: e.email,
    fullName: e.fullName,
    roles: [...e.roles],
    isActive: e.isActive,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}
