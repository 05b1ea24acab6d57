import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { RefreshTokenEntity } from '../db/entities/refresh-token.entity';
import { SessionEntity } from '../db/entities/session.entity';
import { UserEntity } from '../db/entities/user.entity';
import type { PreparedStatements, Statement } from '../db/prepared';
import type { Session } from '../models/domain/session';
import type { User } from '../models/domain/user';
import type { RefreshTokenRecord, RefreshTokenRepository, SessionRepository } from './session.repository';
import { USER_COLUMNS, userFromRow, type UserRow } from './user.rows';

/** Every authenticated request runs this: one primary-key lookup, joined to its owner. */
const LIVE_OWNER: Statement = {
  name: 'gatehouse_session_live_owner',
  sql: `select ${USER_COLUMNS} from sessions s join users u on u.id = s.user_id
    where s.id = $1 and s.revoked_at is null and s.expires_at > $2 and u.is_active`,
};

export class MikroOrmSessionRepository implements SessionRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly sql: PreparedStatements,
  ) {}

  add(session: Session): void {
    const { userId, ...rest } = session;
    this.em.persist(
      this.em.create(SessionEntity, { ...rest, user: this.em.getReference(UserEntity, userId), revokedReason: null }),
    );
  }

  async findById(id: string): Promise<Session | null> {
    const entity = await this.em.findOne(SessionEntity, { id });
    return entity && toSession(entity);
  }

  async findLiveOwner(sessionId: string, now: Date): Promise<User | null> {
    const [row] = await this.sql.rows<UserRow>(LIVE_OWNER, [sessionId, now]);
    return row ? userFromRow(row) : null;
  }

  async listLive(userId: string, now: Date): Promise<Session[]> {
    const entities = await this.em.find(
      SessionEntity,
      { user: userId, revokedAt: null, expiresAt: { $gt: now } },
      { orderBy: { createdAt: 'desc', id: 'desc' } },
    );
    return entities.map(toSession);
  }

  async touch(id: string, at: Date): Promise<void> {
    const entity = await this.em.findOneOrFail(SessionEntity, { id });
    entity.lastUsedAt = at;
  }

  async revoke(id: string, reason: string, at: Date): Promise<boolean> {
    const entity = await this.em.findOne(SessionEntity, { id, revokedAt: null });
    if (!entity) return false;
    this.em.assign(entity, { revokedAt: at, revokedReason: reason });
    return true;
  }

  async revokeAllOfUser(userId: string, reason: string, at: Date, exceptId?: string): Promise<number> {
    return this.em.nativeUpdate(
      SessionEntity,
      { user: userId, revokedAt: null, ...(exceptId ? { id: { $ne: exceptId } } : {}) },
      { revokedAt: at, revokedReason: reason },
    );
  }
}

export class MikroOrmRefreshTokenRepository implements RefreshTokenRepository {
  constructor(private readonly em: EntityManager) {}

  add(record: RefreshTokenRecord, digest: string): void {
    const { sessionId, ...rest } = record;
    this.em.persist(
      this.em.create(RefreshTokenEntity, {
        ...rest,
        tokenHash: digest,
        session: this.em.getReference(SessionEntity, sessionId),
      }),
    );
  }

  async findByDigestForUpdate(digest: string): Promise<RefreshTokenRecord | null> {
    const entity = await this.em.findOne(
      RefreshTokenEntity,
      { tokenHash: digest },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    return entity && toRecord(entity);
  }

  async findSuccessor(parentId: string): Promise<RefreshTokenRecord | null> {
    const entity = await this.em.findOne(RefreshTokenEntity, { parentId });
    return entity && toRecord(entity);
  }

  async markUsed(id: string, at: Date): Promise<void> {
    const entity = await this.em.findOneOrFail(RefreshTokenEntity, { id });
    entity.usedAt = at;
  }
}

function toSession(e: SessionEntity): Session {
  return {
    id: e.id,
    userId: e.user.id,
    createdAt: e.createdAt,
    lastUsedAt: e.lastUsedAt,
    expiresAt: e.expiresAt,
    userAgent: e.userAgent,
    ip: e.ip,
    revokedAt: e.revokedAt,
    amr: [...e.amr] as Session['amr'],
  };
}

function toRecord(e: RefreshTokenEntity): RefreshTokenRecord {
  return { id: e.id, sessionId: e.session.id, parentId: e.parentId, createdAt: e.createdAt, usedAt: e.usedAt };
}
