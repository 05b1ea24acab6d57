import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { UserEntity } from '../db/entities/user.entity';
import type { PreparedStatements, Statement } from '../db/prepared';
import { loginKey, type User } from '../models/domain/user';
import type { CredentialRepository, UserChanges, UserListQuery, UserRepository } from './user.repository';
import { USER_COLUMNS, userFromRow, type UserRow } from './user.rows';

/**
 * Every login runs this, with the name's loginKey. `lower(... collate "C")` is
 * the form the unique indexes are built on, so each side is an index lookup.
 */
const BY_LOGIN: Statement = {
  name: 'gatehouse_user_by_login_key',
  sql: `select ${USER_COLUMNS}, u.password_hash from users u
    where lower(u.username collate "C") = $1 or lower(u.email collate "C") = $1 limit 1`,
};

const USERNAME_TAKEN: Statement = {
  name: 'gatehouse_username_taken',
  sql: `select 1 from users u where lower(u.username collate "C") = $1 limit 1`,
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
    return (await this.sql.rows(USERNAME_TAKEN, [loginKey(username)])).length > 0;
  }

  async hasAdmin(): Promise<boolean> {
    return (await this.em.count(UserEntity, { roles: { $contains: ['admin'] } })) > 0;
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

  /**
   * The admin listing, as plain parameterised SQL: MikroORM spent most of the
   * request building the query and hydrating (and tracking) the page's entities.
   * One named statement per combination of filters.
   */
  async list(query: UserListQuery): Promise<User[]> {
    /** The filters that apply, by name: the statement's text depends on nothing else, so it is named by them. */
    const filters: { name: string; clause: string }[] = [];
    const values: unknown[] = [];
    const bind = (value: unknown) => `$${values.push(value)}`;
    if (query.q) {
      const pattern = bind(`%${escapeLike(query.q)}%`);
      filters.push({ name: 'q', clause: `(u.username ilike ${pattern} or u.email ilike ${pattern})` });
    }
    if (query.role) filters.push({ name: 'role', clause: `u.roles @> array[${bind(query.role)}]::text[]` });
    if (query.isActive !== undefined) filters.push({ name: 'active', clause: `u.is_active = ${bind(query.isActive)}` });
    if (query.after) {
      const at = bind(query.after.createdAt);
      const clause = `(u.created_at > ${at} or (u.created_at = ${at} and u.id > ${bind(query.after.id)}))`;
      filters.push({ name: 'after', clause });
    }
    const where = filters.length ? `where ${filters.map((f) => f.clause).join(' and ')}` : '';
    const statement: Statement = {
      name: `gatehouse_user_list_${filters.map((f) => f.name).join('_') || 'all'}`,
      sql: `select ${USER_COLUMNS} from users u ${where} order by u.created_at, u.id limit ${bind(query.limit)}`,
    };
    return (await this.sql.rows<UserRow>(statement, values)).map(userFromRow);
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
    const [row] = await this.sql.rows<UserRow & { password_hash: string }>(BY_LOGIN, [loginKey(login)]);
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
    mfaEnabled: e.mfaEnabled,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}
