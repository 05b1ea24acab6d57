import { Migration } from '@mikro-orm/migrations';

/**
 * Multi-factor authentication: a TOTP credential per user (secret sealed under
 * MASTER_KEY, recovery codes as digests), the pending second steps of logins,
 * `users.mfa_enabled` for every read of a user, and the methods a session's
 * login used (`amr`, for its access tokens).
 */
export class Migration20261129180120 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "totp_credentials" ("user_id" uuid not null, "secret_encrypted" text not null, "confirmed_at" timestamptz null, "last_used_step" bigint null, "recovery_code_digests" text[] not null, "created_at" timestamptz not null, constraint "totp_credentials_pkey" primary key ("user_id"));`);

    this.addSql(`create table "mfa_challenges" ("id" uuid not null, "user_id" uuid not null, "token_hash" varchar(64) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "mfa_challenges_pkey" primary key ("id"));`);
    this.addSql(`create index "mfa_challenges_user_id_index" on "mfa_challenges" ("user_id");`);
    this.addSql(`alter table "mfa_challenges" add constraint "mfa_challenges_token_hash_unique" unique ("token_hash");`);

    this.addSql(`alter table "totp_credentials" add constraint "totp_credentials_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "mfa_challenges" add constraint "mfa_challenges_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "users" add column "mfa_enabled" boolean not null default false;`);

    this.addSql(`alter table "sessions" add column "amr" text[] not null default '{pwd}';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "totp_credentials" cascade;`);

    this.addSql(`drop table if exists "mfa_challenges" cascade;`);

    this.addSql(`alter table "sessions" drop column "amr";`);

    this.addSql(`alter table "users" drop column "mfa_enabled";`);
  }

}
