import type { EntityManager } from '@mikro-orm/postgresql';
import { UserEntity } from '../db/entities/user.entity';
import type { User } from '../models/domain/user';
import type { UserRepository } from './user.repository';

/** The EntityManager given here is the global one; inside a unit of work it resolves to that request's fork. */
export class MikroOrmUserRepository implements UserRepository {
  constructor(private readonly em: EntityManager) {}

  add(user: User, passwordHash: string): void {
    this.em.persist(this.em.create(UserEntity, { ...user, passwordHash }));
  }
}
