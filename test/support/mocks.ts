/** Strict mocks of the repository ports: every method a bare jest.fn that a test must give behaviour. */
import type { MfaRepository } from '../../src/repositories/mfa.repository';
import type { RefreshTokenRepository, SessionRepository } from '../../src/repositories/session.repository';
import type { CredentialRepository } from '../../src/repositories/user.repository';

export function mockCredentials(): jest.Mocked<CredentialRepository> {
  return { findByLogin: jest.fn(), getPasswordHash: jest.fn(), setPasswordHash: jest.fn() };
}

export function mockSessions(): jest.Mocked<SessionRepository> {
  return {
    add: jest.fn(),
    findById: jest.fn(),
    findLiveOwner: jest.fn(),
    listLive: jest.fn(),
    touch: jest.fn(),
    revoke: jest.fn(),
    revokeAllOfUser: jest.fn(),
  };
}

export function mockMfa(): jest.Mocked<MfaRepository> {
  return {
    findTotpForUpdate: jest.fn(),
    saveTotp: jest.fn(),
    removeTotp: jest.fn(),
    addChallenge: jest.fn(),
    findChallengeForUpdate: jest.fn(),
    markChallengeUsed: jest.fn(),
    removeExpiredChallenges: jest.fn(),
  };
}

export function mockRefreshTokens(): jest.Mocked<RefreshTokenRepository> {
  return { add: jest.fn(), findByDigestForUpdate: jest.fn(), findSuccessor: jest.fn(), markUsed: jest.fn() };
}
