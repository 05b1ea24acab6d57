import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { MfaChallengeEntity } from '../db/entities/mfa-challenge.entity';
import { TotpCredentialEntity } from '../db/entities/totp-credential.entity';
import { UserEntity } from '../db/entities/user.entity';
import type { MfaChallenge, MfaRepository, TotpCredential } from './mfa.repository';

/** The EntityManager given here is the global one; inside a request or a transaction it resolves to that context's fork. */
export class MikroOrmMfaRepository implements MfaRepository {
  constructor(private readonly em: EntityManager) {}

  async findTotpForUpdate(userId: string): Promise<TotpCredential | null> {
    const entity = await this.em.findOne(
      TotpCredentialEntity,
      { user: userId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, populate: ['secretEncrypted', 'recoveryCodeDigests'] },
    );
    return entity && toCredential(entity);
  }

  async saveTotp(credential: TotpCredential): Promise<void> {
    const { userId, ...values } = credential;
    const existing = await this.em.findOne(
      TotpCredentialEntity,
      { user: userId },
      { populate: ['secretEncrypted', 'recoveryCodeDigests'] },
    );
    if (existing) this.em.assign(existing, values);
    else
      this.em.persist(
        this.em.create(TotpCredentialEntity, { ...values, user: this.em.getReference(UserEntity, userId) }),
      );
    await this.setFlag(userId, credential.confirmedAt !== null);
  }

  async removeTotp(userId: string): Promise<boolean> {
    const removed = await this.em.nativeDelete(TotpCredentialEntity, { user: userId });
    await this.setFlag(userId, false);
    return removed > 0;
  }

  addChallenge(challenge: MfaChallenge, digest: string): void {
    const { userId, ...rest } = challenge;
    this.em.persist(
      this.em.create(MfaChallengeEntity, {
        ...rest,
        tokenHash: digest,
        user: this.em.getReference(UserEntity, userId),
      }),
    );
  }

  async findChallengeForUpdate(digest: string): Promise<MfaChallenge | null> {
    const entity = await this.em.findOne(
      MfaChallengeEntity,
      { tokenHash: digest },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    return entity && toChallenge(entity);
  }

  async markChallengeUsed(id: string, at: Date): Promise<void> {
    const entity = await this.em.findOneOrFail(MfaChallengeEntity, { id });
    entity.usedAt = at;
  }

  removeExpiredChallenges(userId: string, now: Date): Promise<number> {
    return this.em.nativeDelete(MfaChallengeEntity, { user: userId, expiresAt: { $lt: now } });
  }

  private async setFlag(userId: string, mfaEnabled: boolean): Promise<void> {
    const user = await this.em.findOne(UserEntity, { id: userId });
    if (user && user.mfaEnabled !== mfaEnabled) this.em.assign(user, { mfaEnabled, updatedAt: new Date() });
  }
}

function toCredential(e: TotpCredentialEntity): TotpCredential {
  return {
    userId: e.user.id,
    secretEncrypted: e.secretEncrypted,
    confirmedAt: e.confirmedAt,
    lastUsedStep: e.lastUsedStep,
    recoveryCodeDigests: [...e.recoveryCodeDigests],
    createdAt: e.createdAt,
  };
}

function toChallenge(e: MfaChallengeEntity): MfaChallenge {
  return { id: e.id, userId: e.user.id, createdAt: e.createdAt, expiresAt: e.expiresAt, usedAt: e.usedAt };
}
