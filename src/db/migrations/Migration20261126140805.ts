import { Migration } from '@mikro-orm/migrations';

export class Migration20261126140805 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "users" ("id" uuid not null, "username" varchar(32) not null, "email" varchar(254) not null, "full_name" varchar(200) null, "password_hash" text not null, "roles" text[] not null, "is_active" boolean not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "users_pkey" primary key ("id"));`);
    this.addSql(`create unique index "users_username_lower_unique" on "users" (lower("username"));`);
    this.addSql(`create unique index "users_email_lower_unique" on "users" (lower("email"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "users" cascade;`);
  }

}
