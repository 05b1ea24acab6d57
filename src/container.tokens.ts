/** Injection tokens for things that are not classes. */
export const CONFIG = Symbol('Config');
export const LOGGER = Symbol('Logger');
export const PASSWORD_HASHER = Symbol('PasswordHasher');
export const DATABASE_HEALTH = Symbol('DatabaseHealth');
export { UNIT_OF_WORK } from './core/unit-of-work';
export { USER_REPOSITORY } from './repositories/user.repository';
