import type { Role } from './user';

/** The authenticated caller of a request, from a verified access token whose session is live. */
export interface Principal {
  userId: string;
  sessionId: string;
  roles: Role[];
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
}

export interface TokenPair {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
}
