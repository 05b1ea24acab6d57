import { EntitySchema } from '@mikro-orm/core';
import { SessionEntity } from './session.entity';

/** Only a digest of the token is stored. A token is spent once `usedAt` is set; its successor names it as parent. */
export class RefreshTokenEntity {
  id!: string;
  session!: SessionEntity;
  tokenHash!: string;
  parentId!: string | null;
  createdAt!: Date;
  usedAt!: Date | null;
}

export const RefreshTokenSchema = new EntitySchema<RefreshTokenEntity>({
  class: RefreshTokenEntity,
  tableName: 'refresh_tokens',
  properties: {
    id: { type: 'uuid', primary: true },
    session: {
      kind: 'm:1',
      entity: () => SessionEntity,
      deleteRule: 'cascade',
      index: 'refresh_tokens_session_id_index',
    },
    tokenHash: { type: 'string', length: 64, unique: 'refresh_tokens_token_hash_unique' },
    parentId: { type: 'uuid', nullable: true, index: 'refresh_tokens_parent_id_index' },
    createdAt: { type: 'datetime', columnType: 'timestamptz' },
    usedAt: { type: 'datetime', columnType: 'timestamptz', nullable: true },
  },
});
