/** Injection tokens for things that are not classes. */
export const CONFIG = Symbol('Config');
export const LOGGER = Symbol('Logger');
export const PASSWORD_HASHER = Symbol('PasswordHasher');
export const DATABASE_HEALTH = Symbol('DatabaseHealth');
export const REDIS_HEALTH = Symbol('RedisHealth');
export const KEY_HEALTH = Symbol('KeyHealth');
export const DATABASE_CIRCUIT = Symbol('DatabaseCircuit');
export const SECRET_KEYS = Symbol('SecretKeys');
export const CURSOR_CODEC = Symbol('CursorCodec');
/** Registered only when tracing is on. */
export const TRACING = Symbol('Tracing');
export { LIFECYCLE } from './core/lifecycle';
export { AUDIT } from './core/audit';
export { LOGIN_THROTTLE } from './services/login-throttle';
export { PASSWORD_POLICY } from './services/password-policy';
export { UNIT_OF_WORK } from './core/unit-of-work';
export { CREDENTIAL_REPOSITORY, USER_REPOSITORY } from './repositories/user.repository';
export { REFRESH_TOKEN_REPOSITORY, SESSION_REPOSITORY } from './repositories/session.repository';
export { SIGNING_KEY_REPOSITORY } from './repositories/signing-key.repository';
export { MFA_REPOSITORY } from './repositories/mfa.repository';
export { CLOCK } from './core/clock';
