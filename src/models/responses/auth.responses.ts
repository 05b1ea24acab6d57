import type { Schemas } from '../../../generated/operations';
import type { Session, TokenPair } from '../domain/session';

export function toTokenResponse(pair: TokenPair): Schemas['TokenResponse'] {
  return {
    access_token: pair.accessToken,
    token_type: 'Bearer',
    expires_in: pair.expiresIn,
    refresh_token: pair.refreshToken,
  };
}

export function toSessionResponse(session: Session, currentSessionId: string): Schemas['Session'] {
  return {
    id: session.id,
    created_at: session.createdAt.toISOString(),
    last_used_at: session.lastUsedAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    user_agent: session.userAgent,
    ip: session.ip,
    current: session.id === currentSessionId,
  };
}
