import { Migration } from '@mikro-orm/migrations';

/**
 * Login names are unique under ASCII case folding in every locale: `lower()`
 * under the database's own collation could fold other letters too (and "I"
 * differently under a Turkish locale), which the service's loginKey does not.
 */
export class Migration20261129150000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create unique index "users_username_key_unique" on "users" (lower("username" collate "C"));`);
    this.addSql(`create unique index "users_email_key_unique" on "users" (lower("email" collate "C"));`);
    this.addSql(`drop index "users_username_lower_unique";`);
    this.addSql(`drop index "users_email_lower_unique";`);
  }

  override async down(): Promise<void> {
    this.addSql(`create unique index "users_username_lower_unique" on "users" (lower("username"));`);
    this.addSql(`create unique index "users_email_lower_unique" on "users" (lower("email"));`);
    this.addSql(`drop index "users_username_key_unique";`);
    this.addSql(`drop index "users_email_key_unique";`);
  }

}
