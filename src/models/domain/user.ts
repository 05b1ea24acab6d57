export type Role = 'user' | 'admin';

/** A user as the services see it: never carries the password hash. */
export interface User {
  id: string;
  username: string;
  email: string;
  fullName: string | null;
  roles: Role[];
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUser {
  username: string;
  email: string;
  fullName: string | null;
  password: string;
}
