import type { Role, User } from '../models/domain/user';

export const USER_REPOSITORY = Symbol('UserRepository');
export const CREDENTIAL_REPOSITORY = Symbol('CredentialRepository');

export type UserChanges = Partial<Pick<User, 'username' | 'email' | 'fullName' | 'roles' | 'isActive'>> & {
  /** Only ever false here: an admin clears a user's MFA; enrolling is the user's own (MfaService). */
  mfaEnabled?: false;
};

export interface UserListQuery {
  limit: number;
  /** Keyset position: users after this one in (createdAt, id) order. */
  after?: { createdAt: Date; id: string };
  /** Part of the username or email, any case. */
  q?: string;
  role?: Role;
  isActive?: boolean;
}

/** Users without their secrets. Writes are staged and land when the unit of work commits. */
export interface UserRepository {
  /** A username or email already in use (in any case) fails the commit with ConflictError. */
  add(user: User, passwordHash: string): void;
  findById(id: string): Promise<User | null>;
  existsByUsername(username: string): Promise<boolean>;
  /** Whether any user, active or not, has the admin role. */
  hasAdmin(): Promise<boolean>;
  update(id: string, changes: UserChanges): Promise<User | null>;
  remove(id: string): Promise<boolean>;
  /** Up to `limit` users in (createdAt, id) order. */
  list(query: UserListQuery): Promise<User[]>;
  /** Ids of active admins, locked until the current transaction ends. */
  lockActiveAdmins(): Promise<string[]>;
}

/** The privileged side: password hashes, for the services that check or change them. */
export interface CredentialRepository {
  /** By username or by email, in any case. */
  findByLogin(login: string): Promise<{ user: User; passwordHash: string } | null>;
  getPasswordHash(userId: string): Promise<string | null>;
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;
}
