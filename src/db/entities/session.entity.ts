import { EntitySchema } from '@mikro-orm/core';
import { UserEntity } from './user.entity';

export class SessionEntity {
  id!: string;
  user!: UserEntity;
  createdAt!: Date;
  lastUsedAt!: Date;
  expiresAt!: Date;
  userAgent!: string | null;
  ip!: string | null;
  revokedAt!: Date | null;
  revokedReason!: string | null;
  /** How the login that opened it authenticated (RFC 8176 values): `pwd`, then `otp` after the MFA step. */
  amr!: string[];
}

export const SessionSchema = new EntitySchema<SessionEntity>({
  class: SessionEntity,
  tableName: 'sessions',
  properties: {
    id: { type: 'uuid', primary: true },
    user: { kind: 'm:1', entity: () => UserEntity, deleteRule: 'cascade', index: 'sessions_user_id_index' },
    createdAt: { type: 'datetime', columnType: 'timestamptz' },
    lastUsedAt: { type: 'datetime', columnType: 'timestamptz' },
    expiresAt: { type: 'datetime', columnType: 'timestamptz' },
    userAgent: { type: 'string', length: 512, nullable: true },
    ip: { type: 'string', length: 64, nullable: true },
    revokedAt: { type: 'datetime', columnType: 'timestamptz', nullable: true },
    revokedReason: { type: 'string', length: 32, nullable: true },
    amr: { type: 'text[]', default: '{pwd}' },
  },
});
