import { EntitySchema } from '@mikro-orm/core';
import { UserEntity } from './user.entity';

/** The second step of a login: only a digest of its `mfa_token`; spent once `usedAt` is set. */
export class MfaChallengeEntity {
  id!: string;
  user!: UserEntity;
  tokenHash!: string;
  createdAt!: Date;
  expiresAt!: Date;
  usedAt!: Date | null;
}

export const MfaChallengeSchema = new EntitySchema<MfaChallengeEntity>({
  class: MfaChallengeEntity,
  tableName: 'mfa_challenges',
  properties: {
    id: { type: 'uuid', primary: true },
    user: { kind: 'm:1', entity: () => UserEntity, deleteRule: 'cascade', index: 'mfa_challenges_user_id_index' },
    tokenHash: { type: 'string', length: 64, unique: 'mfa_challenges_token_hash_unique' },
    createdAt: { type: 'datetime', columnType: 'timestamptz' },
    expiresAt: { type: 'datetime', columnType: 'timestamptz' },
    usedAt: { type: 'datetime', columnType: 'timestamptz', nullable: true },
  },
});
