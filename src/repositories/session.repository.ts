import type { User } from '../models/domain/user';
import type { Session } from '../models/domain/session';

export const SESSION_REPOSITORY = Symbol('SessionRepository');
export const REFRESH_TOKEN_REPOSITORY = Symbol('RefreshTokenRepository');

export interface SessionRepository {
  add(session: Session): void;
  findById(id: string): Promise<Session | null>;
  /**
   * The authenticated request path's one lookup (by primary key, joined to
   * the user): the owner when the session is live and the owner active.
   */
  findLiveOwner(sessionId: string, now: Date): Promise<User | null>;
  /** Live sessions of a user, newest first. */
  listLive(userId: string, now: Date): Promise<Session[]>;
  touch(id: string, at: Date): Promise<void>;
  /** Ends a session; false if it was not live. */
  revoke(id: string, reason: string, at: Date): Promise<boolean>;
  /** Ends every live session of a user but `exceptId`; returns how many. */
  revokeAllOfUser(userId: string, reason: string, at: Date, exceptId?: string): Promise<number>;
}

export interface RefreshTokenRecord {
  id: string;
  sessionId: string;
  parentId: string | null;
  createdAt: Date;
  usedAt: Date | null;
}

export interface RefreshTokenRepository {
  add(record: RefreshTokenRecord, digest: string): void;
  /** Locks the row until the current transaction ends, so one presentation rotates it. */
  findByDigestForUpdate(digest: string): Promise<RefreshTokenRecord | null>;
  findSuccessor(parentId: string): Promise<RefreshTokenRecord | null>;
  markUsed(id: string, at: Date): Promise<void>;
}
