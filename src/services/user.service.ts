import { randomUUID } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import {
  AUDIT,
  CONFIG,
  CREDENTIAL_REPOSITORY,
  CURSOR_CODEC,
  LOGGER,
  PASSWORD_HASHER,
  PASSWORD_POLICY,
  SESSION_REPOSITORY,
  UNIT_OF_WORK,
  USER_REPOSITORY,
  MFA_REPOSITORY,
} from '../container.tokens';
import type { Audit } from '../core/audit';
import type { Config } from '../core/config';
import type { CursorCodec } from '../core/cursor';
import { AppError, ForbiddenError, NotFoundError, ValidationError } from '../core/errors';
import { RateLimits } from '../core/rate-limit';
import type { Logger } from '../core/logging';
import type { PasswordHasher } from '../core/security';
import type { UnitOfWork } from '../core/unit-of-work';
import type { ClientInfo, Principal } from '../models/domain/session';
import type { NewUser, Role, User } from '../models/domain/user';
import type { MfaRepository } from '../repositories/mfa.repository';
import type { SessionRepository } from '../repositories/session.repository';
import type { CredentialRepository, UserChanges, UserRepository } from '../repositories/user.repository';
import type { PasswordPolicy } from './password-policy';
import { Reauthentication } from './reauthentication';

export interface UserPage {
  items: User[];
  nextCursor: string | null;
}

export interface ListUsersQuery {
  limit: number;
  cursor?: string;
  q?: string;
  role?: Role;
  isActive?: boolean;
}

@injectable()
export class UserService {
  constructor(
    @inject(USER_REPOSITORY) private readonly users: UserRepository,
    @inject(CREDENTIAL_REPOSITORY) private readonly credentials: CredentialRepository,
    @inject(SESSION_REPOSITORY) private readonly sessions: SessionRepository,
    @inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @inject(PASSWORD_POLICY) private readonly policy: PasswordPolicy,
    @inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @inject(CONFIG) private readonly config: Pick<Config, 'registrationOpen'>,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(AUDIT) private readonly audit: Audit,
    @inject(CURSOR_CODEC) private readonly cursors: CursorCodec,
    @inject(Reauthentication) private readonly reauth: Pick<Reauthentication, 'confirm'>,
    @inject(RateLimits) private readonly limits: Pick<RateLimits, 'charge'>,
    @inject(MFA_REPOSITORY) private readonly mfa: Pick<MfaRepository, 'removeTotp'>,
  ) {}

  /** Sign-up. Uniqueness of username and email is enforced when the unit of work commits. */
  async register(input: NewUser): Promise<User> {
    if (!this.config.registrationOpen) throw new ForbiddenError('Registration is closed on this server.');
    return this.create(input, ['user']);
  }

  /**
   * The configured first admin (ADMIN_*), made only while no user has the admin role, so that a
   * deleted or renamed admin is not brought back at the next start. Null when an admin exists.
   */
  async createFirstAdmin(input: NewUser): Promise<User | null> {
    if (await this.users.hasAdmin()) return null;
    return this.ensureAdmin(input);
  }

  /** Creates an admin with this username unless a user has it already (the CLI, and the first admin). */
  async ensureAdmin(input: NewUser): Promise<User | null> {
    if (await this.users.existsByUsername(input.username)) return null;
    const admin = await this.create(input, ['admin']);
    this.logger.info('admin user created', { user_id: admin.id, username: admin.username });
    return admin;
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundError('No such user.');
    return user;
  }

  /** The caller as read when its token was checked, in this same request: no second lookup. */
  me(principal: Principal): User {
    return principal.user;
  }

  /**
   * A new email or username needs the current password, and shares the sign-up
   * limit of the client's address: its 409 says a name is taken, as sign-up's does.
   */
  async updateMe(
    principal: Principal,
    changes: Pick<UserChanges, 'username' | 'email' | 'fullName'>,
    currentPassword: string | undefined,
    client: ClientInfo,
  ): Promise<User> {
    const loginFields = (['username', 'email'] as const).filter((f) => changes[f] !== undefined);
    if (loginFields.length > 0) {
      if (currentPassword === undefined) {
        throw new ValidationError('A new email or username needs current_password.', [
          { path: '/body/current_password', message: 'is required with a new email or username' },
        ]);
      }
      await this.limits.charge('signup', client.ip, 'Too many changes of email or username from this address.');
      await this.reauth.confirm(principal, currentPassword, client, 'change_login');
    }
    const user = await this.users.update(principal.userId, changes);
    if (!user) throw new NotFoundError('No such user.');
    if (loginFields.length > 0) {
      const { userId } = principal;
      const details = { fields: loginFields };
      this.audit.record({ event: 'user.login_changed', actor: userId, subject: userId, ip: client.ip, details });
    }
    return user;
  }

  /** Needs the current password (see Reauthentication); ends every other session of the caller. */
  async changePassword(
    principal: Principal,
    currentPassword: string,
    newPassword: string,
    client: ClientInfo,
  ): Promise<void> {
    await this.reauth.confirm(principal, currentPassword, client, 'change_password');
    this.policy.enforce(newPassword, principal.user, '/body/new_password');
    const newHash = await this.hasher.hash(newPassword);
    const ended = await this.uow.transaction(async () => {
      await this.credentials.setPasswordHash(principal.userId, newHash);
      return this.sessions.revokeAllOfUser(principal.userId, 'password_changed', new Date(), principal.sessionId);
    });
    const { userId } = principal;
    const details = { sessions_ended: ended };
    this.audit.record({ event: 'password.changed', actor: userId, subject: userId, ip: client.ip, details });
  }

  async list(query: ListUsersQuery): Promise<UserPage> {
    const after = query.cursor === undefined ? undefined : this.cursors.decode(query.cursor);
    const rows = await this.users.list({
      limit: query.limit + 1,
      after,
      q: query.q,
      role: query.role,
      isActive: query.isActive,
    });
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > query.limit && last ? this.cursors.encode(last) : null };
  }

  /**
   * Deactivating ends the user's sessions; the last active admin keeps the role and stays active.
   * `mfaEnabled: false` removes the user's authenticator app and recovery codes (a user who lost both).
   */
  async update(actor: Principal, id: string, changes: UserChanges, client: ClientInfo): Promise<User> {
    const updated = await this.uow.transaction(async () => {
      const user = await this.get(id);
      const losesAdmin =
        user.isActive &&
        user.roles.includes('admin') &&
        (changes.isActive === false || (changes.roles !== undefined && !changes.roles.includes('admin')));
      if (losesAdmin) await this.keepAnAdmin(id);
      if (changes.mfaEnabled === false) await this.mfa.removeTotp(id);
      const updated = await this.users.update(id, changes);
      if (!updated) throw new NotFoundError('No such user.');
      if (changes.isActive === false && user.isActive) {
        await this.sessions.revokeAllOfUser(id, 'deactivated', new Date());
      }
      return updated;
    });
    const fields = Object.keys(changes);
    if (changes.roles !== undefined || changes.isActive !== undefined || changes.mfaEnabled !== undefined) {
      // Named as the API names them, like every other audit field.
      const changed = fields.map((f) => f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
      const details = {
        fields: changed,
        roles: updated.roles,
        is_active: updated.isActive,
        mfa_enabled: updated.mfaEnabled,
      };
      this.audit.record({ event: 'user.access_changed', actor: actor.userId, subject: id, ip: client.ip, details });
    } else {
      this.logger.info('user changed by admin', { actor_id: actor.userId, user_id: id, fields });
    }
    return updated;
  }

  /** The user's sessions go with it; the last active admin cannot be deleted. */
  async delete(actor: Principal, id: string, client: ClientInfo): Promise<void> {
    await this.uow.transaction(async () => {
      const user = await this.get(id);
      if (user.isActive && user.roles.includes('admin')) await this.keepAnAdmin(id);
      await this.users.remove(id); // its sessions and refresh tokens go by ON DELETE CASCADE
    });
    this.audit.record({ event: 'user.deleted', actor: actor.userId, subject: id, ip: client.ip });
  }

  private async keepAnAdmin(losingId: string): Promise<void> {
    const admins = await this.users.lockActiveAdmins();
    if (admins.filter((a) => a !== losingId).length === 0) {
      throw new AppError('conflict', 'This is the last active admin: make another admin first.');
    }
  }

  private async create(input: NewUser, roles: Role[]): Promise<User> {
    this.policy.enforce(input.password, input, '/body/password');
    const now = new Date();
    const user: User = {
      id: randomUUID(),
      username: input.username,
      email: input.email,
      fullName: input.fullName,
      roles,
      isActive: true,
      mfaEnabled: false,
      createdAt: now,
      updatedAt: now,
    };
    this.users.add(user, await this.hasher.hash(input.password));
    return user;
  }
}
