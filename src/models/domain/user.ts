export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A user as the services see it: never carries the password hash. */
export interface User {
  id: string;
  username: string;
  email: string;
  fullName: string | null;
  roles: Role[];
  isActive: boolean;
  /** An authenticator app (TOTP) is active: login needs its code. */
  mfaEnabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUser {
  username: string;
  email: string;
  fullName: string | null;
  password: string;
}

/**
 * The one form a login name (username or email) is looked up, kept unique and
 * counted under: NFKC, then Unicode lowercase. Stored names are ASCII (the
 * spec's patterns and the settings' checks allow nothing else), so for them
 * this is ASCII lowercase, exactly what the unique indexes apply
 * (`lower(name collate "C")`, which folds ASCII letters only, whatever the
 * database's locale). A typed name whose form is not ASCII, such as one with
 * "İ", names no account and is counted under that form like any unknown name.
 */
export function loginKey(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}
