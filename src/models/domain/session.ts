import type { Role, User } from './user';

/** Whom an access token speaks for: its subject, session and roles. */
export interface TokenSubject {
  userId: string;
  sessionId: string;
  roles: Role[];
}

/** How a session's login authenticated, as RFC 8176 names it: the `amr` claim of its access tokens. */
export type AuthMethod = 'pwd' | 'otp';

/** What an access token says: whom it speaks for, how and when they logged in. */
export interface AccessGrant extends TokenSubject {
  amr: AuthMethod[];
  /** When the session's login happened (`auth_time`). */
  authTime: Date;
}

/** The authenticated caller of a request, from a verified access token whose session is live. */
export interface Principal extends TokenSubject {
  /** The caller's user as read by the same lookup that found the session live. */
  user: User;
}

/** Where a request came from, as far as the server can tell (kept with sessions and audit events). */
export interface ClientInfo {
  userAgent: string | undefined;
  ip: string | undefined;
}

export interface Session {
  id: string;
  userId: string;
  createdAt: Date;
  lastUsedAt: Date;
  /** Absolute end, whatever the use. */
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
  revokedAt: Date | null;
  amr: AuthMethod[];
}

export interface TokenPair {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
}
