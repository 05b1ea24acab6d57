import type { EntityManager } from '@mikro-orm/postgresql';
import { SigningKeyEntity } from '../db/entities/signing-key.entity';
import type { SigningKeyRepository, StoredSigningKey } from './signing-key.repository';

/** Any fixed number: it names the rotation lock among the database's advisory locks. */
const ROTATION_LOCK = 0x6761_7465;

export class MikroOrmSigningKeyRepository implements SigningKeyRepository {
  constructor(private readonly em: EntityManager) {}

  async listUsable(retiredAfter: Date): Promise<StoredSigningKey[]> {
    const entities = await this.em.find(
      SigningKeyEntity,
      { $or: [{ retiredAt: null }, { retiredAt: { $gt: retiredAfter } }] },
      { populate: ['privateKeyEncrypted'], orderBy: { createdAt: 'desc', kid: 'desc' } },
    );
    return entities.map((e) => ({ ...e }));
  }

  async lockRotation(): Promise<void> {
    await this.em.execute('select pg_advisory_xact_lock(?)', [ROTATION_LOCK]);
  }

  add(key: StoredSigningKey): void {
    this.em.persist(this.em.create(SigningKeyEntity, key));
  }

  async retireAllBut(kid: string, at: Date): Promise<void> {
    await this.em.nativeUpdate(SigningKeyEntity, { kid: { $ne: kid }, retiredAt: null }, { retiredAt: at });
  }
}
