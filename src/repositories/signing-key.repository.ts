export const SIGNING_KEY_REPOSITORY = Symbol('SigningKeyRepository');

export interface StoredSigningKey {
  kid: string;
  algorithm: string;
  publicJwk: Record<string, unknown>;
  privateKeyEncrypted: string;
  createdAt: Date;
  retiredAt: Date | null;
}

export interface SigningKeyRepository {
  /** Keys not retired, or retired after `retiredAfter`, newest first. */
  listUsable(retiredAfter: Date): Promise<StoredSigningKey[]>;
  /** Serialises rotations across instances until the current transaction ends. */
  lockRotation(): Promise<void>;
  add(key: StoredSigningKey): void;
  retireAllBut(kid: string, at: Date): Promise<void>;
}
