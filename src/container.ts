import { container as root, type DependencyContainer } from 'tsyringe';
import { CONFIG, DATABASE_HEALTH, LOGGER, PASSWORD_HASHER, UNIT_OF_WORK, USER_REPOSITORY } from './container.tokens';
import type { Config } from './core/config';
import type { Logger } from './core/logging';
import { Argon2PasswordHasher } from './core/security';
import { MikroOrmUnitOfWork, type Database } from './db/session';
import { MikroOrmUserRepository } from './repositories/mikro-orm-user.repository';

/** The one composition root: every token the application resolves is registered here. */
export function createContainer(deps: { config: Config; logger: Logger; database: Database }): DependencyContainer {
  const { orm } = deps.database;
  const c = root.createChildContainer();
  c.register(CONFIG, { useValue: deps.config });
  c.register(LOGGER, { useValue: deps.logger });
  c.register(PASSWORD_HASHER, { useValue: new Argon2PasswordHasher() });
  c.register(DATABASE_HEALTH, { useValue: deps.database });
  c.register(UNIT_OF_WORK, { useValue: new MikroOrmUnitOfWork(orm) });
  c.register(USER_REPOSITORY, { useValue: new MikroOrmUserRepository(orm.em) });
  return c;
}
