import { randomUUID } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import { CONFIG, PASSWORD_HASHER } from '../container.tokens';
import type { Config } from '../core/config';
import { ForbiddenError } from '../core/errors';
import type { PasswordHasher } from '../core/security';
import type { NewUser, User } from '../models/domain/user';
import { USER_REPOSITORY, type UserRepository } from '../repositories/user.repository';

@injectable()
export class UserService {
  constructor(
    @inject(USER_REPOSITORY) private readonly users: UserRepository,
    @inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @inject(CONFIG) private readonly config: Pick<Config, 'registrationOpen'>,
  ) {}

  /** Sign-up. Uniqueness of username and email is enforced when the unit of work commits. */
  async register(input: NewUser): Promise<User> {
    if (!this.config.registrationOpen) throw new ForbiddenError('Registration is closed on this server.');
    const now = new Date();
    const user: User = {
      id: randomUUID(),
      username: input.username,
      email: input.email,
      fullName: input.fullName,
      roles: ['user'],
      isActive: true,
      createdAt: now,
      updatedAt: now,
    };
    this.users.add(user, await this.hasher.hash(input.password));
    return user;
  }
}
