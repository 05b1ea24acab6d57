import { EntitySchema } from '@mikro-orm/core';
import type { Role } from '../../models/domain/user';

export class UserEntity {
  id!: string;
  username!: string;
  email!: string;
  fullName!: string | null;
  passwordHash!: string;
  roles!: Role[];
  isActive!: boolean;
  mfaEnabled!: boolean;
  createdAt!: Date;
  updatedAt!: Date;
}

/** Unique indexes whose violation means "this field is taken", by constraint name. */
export const USER_UNIQUE_FIELDS: Record<string, string> = {
  users_username_key_unique: 'username',
  users_email_key_unique: 'email',
};

export const UserSchema = new EntitySchema<UserEntity>({
  class: UserEntity,
  tableName: 'users',
  properties: {
    id: { type: 'uuid', primary: true },
    username: { type: 'string', length: 32 },
    email: { type: 'string', length: 254 },
    fullName: { type: 'string', length: 200, nullable: true },
    passwordHash: { type: 'text', lazy: true },
    roles: { type: 'text[]' },
    isActive: { type: 'boolean' },
    mfaEnabled: { type: 'boolean', default: false },
    createdAt: { type: 'datetime', columnType: 'timestamptz' },
    updatedAt: { type: 'datetime', columnType: 'timestamptz' },
  },
  indexes: [
    // Keyset pagination walks users in (created_at, id) order.
    { name: 'users_created_at_id_index', properties: ['createdAt', 'id'] },
    // Login names are unique under loginKey (src/models/domain/user.ts): ASCII case folded, in any locale.
    {
      name: 'users_username_key_unique',
      expression: 'create unique index "users_username_key_unique" on "users" (lower("username" collate "C"))',
    },
    {
      name: 'users_email_key_unique',
      expression: 'create unique index "users_email_key_unique" on "users" (lower("email" collate "C"))',
    },
  ],
});
