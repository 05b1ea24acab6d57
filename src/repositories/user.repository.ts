import type { User } from '../models/domain/user';

export const USER_REPOSITORY = Symbol('UserRepository');

export interface UserRepository {
  /**
   * Stages a new user; it is written when the request's unit of work commits.
   * A username or email already in use (in any case) fails that commit with ConflictError.
   */
  add(user: User, passwordHash: string): void;
}
