import { BigIntType, EntitySchema } from '@mikro-orm/core';
import { UserEntity } from './user.entity';

/**
 * A user's authenticator app: its secret sealed under MASTER_KEY, active once
 * `confirmedAt` is set. `lastUsedStep` is the 30-second step of the last code
 * accepted, so no code is accepted twice. Recovery codes are kept as SHA-256
 * digests; one is removed when it is used.
 */
export class TotpCredentialEntity {
  user!: UserEntity;
  secretEncrypted!: string;
  confirmedAt!: Date | null;
  lastUsedStep!: number | null;
  recoveryCodeDigests!: string[];
  createdAt!: Date;
}

export const TotpCredentialSchema = new EntitySchema<TotpCredentialEntity>({
  class: TotpCredentialEntity,
  tableName: 'totp_credentials',
  properties: {
    user: { kind: '1:1', entity: () => UserEntity, primary: true, owner: true, deleteRule: 'cascade' },
    secretEncrypted: { type: 'text', lazy: true },
    confirmedAt: { type: 'datetime', columnType: 'timestamptz', nullable: true },
    // Steps count from 1970 in 30 s: numbers well within 2^53.
    lastUsedStep: { type: new BigIntType('number'), nullable: true },
    recoveryCodeDigests: { type: 'text[]', lazy: true },
    createdAt: { type: 'datetime', columnType: 'timestamptz' },
  },
});
