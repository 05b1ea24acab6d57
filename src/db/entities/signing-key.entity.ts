import { EntitySchema } from '@mikro-orm/core';

/** A token-signing key pair; the private half is encrypted under a key derived from MASTER_KEY. */
export class SigningKeyEntity {
  kid!: string;
  algorithm!: string;
  publicJwk!: Record<string, unknown>;
  privateKeyEncrypted!: string;
  createdAt!: Date;
  retiredAt!: Date | null;
}

export const SigningKeySchema = new EntitySchema<SigningKeyEntity>({
  class: SigningKeyEntity,
  tableName: 'signing_keys',
  properties: {
    kid: { type: 'string', length: 64, primary: true },
    algorithm: { type: 'string', length: 16 },
    publicJwk: { type: 'json' },
    privateKeyEncrypted: { type: 'text', lazy: true },
    createdAt: { type: 'datetime', columnType: 'timestamptz' },
    retiredAt: { type: 'datetime', columnType: 'timestamptz', nullable: true },
  },
});
