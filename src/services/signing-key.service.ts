import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import { CONFIG, LOGGER, SECRET_KEYS, SIGNING_KEY_REPOSITORY, UNIT_OF_WORK } from '../container.tokens';
import type { Config } from '../core/config';
import { AppError } from '../core/errors';
import type { Logger } from '../core/logging';
import { decrypt, encrypt, type SecretKeys } from '../core/security';
import type { UnitOfWork } from '../core/unit-of-work';
import type { SigningKeyRepository, StoredSigningKey } from '../repositories/signing-key.repository';

export const ALGORITHM = 'ES256';
/** Other instances' rotations are seen within this long. */
const CACHE_TTL_MS = 60_000;
/** An unknown kid reloads the keys at most this often. */
const MISS_RELOAD_MS = 1_000;
const CLOCK_SKEW_MS = 30_000;
/** What readiness and the start-up line say when MASTER_KEY does not open the stored keys. */
export const KEY_MISMATCH =
  'MASTER_KEY cannot decrypt the stored signing keys: give this instance the MASTER_KEY the other instances use';

interface CachedKey {
  kid: string;
  createdAt: Date;
  retiredAt: Date | null;
  jwk: Record<string, unknown>;
  publicKey: KeyObject;
  sealedPrivateKey: string;
  privateKey?: KeyObject;
}

/**
 * ES256 key pairs kept in the database, so every instance signs and verifies
 * with the same set. The newest key signs; a key older than the rotation
 * interval is replaced on first use. Retired keys keep verifying (and stay in
 * the JWKS) until every token they can have signed has expired.
 */
@injectable()
export class SigningKeyService {
  private cache: { keys: CachedKey[]; loadedAt: number } | undefined;
  private loading: Promise<CachedKey[]> | undefined;
  /** Keys found sealed under another MASTER_KEY, logged once each. */
  private readonly unopenable = new Set<string>();

  constructor(
    @inject(SIGNING_KEY_REPOSITORY) private readonly repository: SigningKeyRepository,
    @inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @inject(SECRET_KEYS) private readonly secrets: SecretKeys,
    @inject(CONFIG) private readonly config: Pick<Config, 'auth'>,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The key to sign with now, rotating first when the newest is due. */
  async signingKey(): Promise<{ kid: string; privateKey: KeyObject }> {
    let active = (await this.keys()).find((k) => k.retiredAt === null);
    if (!active || this.isDue(active)) {
      await this.rotate(false);
      active = (await this.keys()).find((k) => k.retiredAt === null);
    }
    if (!active) throw new Error('no signing key after rotation');
    active.privateKey ??= this.unseal(active);
    return { kid: active.kid, privateKey: active.privateKey };
  }

  /**
   * Why this instance cannot sign: its MASTER_KEY does not open the stored keys (tried on the
   * signing key, else the newest). Null when it can, or when there is no key yet.
   */
  async keyProblem(): Promise<string | null> {
    const keys = await this.keys();
    const key = keys.find((k) => k.retiredAt === null) ?? keys[0];
    if (!key) return null;
    try {
      key.privateKey ??= this.unseal(key);
      return null;
    } catch {
      return KEY_MISMATCH;
    }
  }

  /** The public key for `kid`, or null when no usable key has it. */
  async verificationKey(kid: string): Promise<KeyObject | null> {
    const known = (await this.keys()).find((k) => k.kid === kid);
    if (known) return known.publicKey;
    if (this.cache && Date.now() - this.cache.loadedAt < MISS_RELOAD_MS) return null;
    return (await this.keys(true)).find((k) => k.kid === kid)?.publicKey ?? null;
  }

  /** Never empty: a verifier that fetches it before the first login still finds the key that will sign. */
  async jwks(): Promise<Record<string, unknown>[]> {
    if (!(await this.keys()).some((k) => k.retiredAt === null)) await this.signingKey();
    return (await this.keys()).map((k) => k.jwk);
  }

  /**
   * Makes a new signing key and retires the others. Unless `force`, does
   * nothing when another instance has just done it.
   */
  async rotate(force = true): Promise<string> {
    const kid = await this.uow.run(() =>
      this.uow.transaction(async () => {
        await this.repository.lockRotation();
        const [newest] = await this.repository.listUsable(new Date());
        if (!force && newest && newest.retiredAt === null && !this.isDue(newest)) return newest.kid;
        // A key made under another MASTER_KEY would lock every other instance out of signing.
        if (newest) this.unseal(toCached(newest));
        const now = new Date();
        const key = this.generate(now);
        this.repository.add(key);
        await this.repository.retireAllBut(key.kid, now);
        this.logger.info('signing key rotated', { kid: key.kid, forced: force });
        return key.kid;
      }),
    );
    await this.keys(true);
    return kid;
  }

  private isDue(key: { createdAt: Date }): boolean {
    return Date.now() - key.createdAt.getTime() >= this.config.auth.keyRotationIntervalS * 1000;
  }

  private async keys(reload = false): Promise<CachedKey[]> {
    if (!reload && this.cache && Date.now() - this.cache.loadedAt < CACHE_TTL_MS) return this.cache.keys;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<CachedKey[]> {
    // A retired key may have signed until other instances noticed (CACHE_TTL_MS), for up to a token's lifetime.
    const keepMs = this.config.auth.accessTokenTtlS * 1000 + CACHE_TTL_MS + CLOCK_SKEW_MS;
    const stored = await this.uow.run(() => this.repository.listUsable(new Date(Date.now() - keepMs)));
    const previous = new Map(this.cache?.keys.map((k) => [k.kid, k]));
    const keys = stored.map((s) => ({ ...toCached(s), privateKey: previous.get(s.kid)?.privateKey }));
    this.cache = { keys, loadedAt: Date.now() };
    return keys;
  }

  private generate(now: Date): StoredSigningKey {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = randomUUID();
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    return {
      kid,
      algorithm: ALGORITHM,
      publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: ALGORITHM, use: 'sig' },
      privateKeyEncrypted: encrypt(this.secrets.keyEncryption, der, kid),
      createdAt: now,
      retiredAt: null,
    };
  }

  /** The private key; a 503 (never a 500) when this instance's MASTER_KEY cannot open it. */
  private unseal(key: CachedKey): KeyObject {
    let der: Buffer;
    try {
      der = decrypt(this.secrets.keyEncryption, key.sealedPrivateKey, key.kid);
    } catch {
      if (!this.unopenable.has(key.kid)) {
        this.unopenable.add(key.kid);
        this.logger.error(`not ready: ${KEY_MISMATCH}`, { kid: key.kid, setting: 'MASTER_KEY' });
      }
      // Not the client's fault, nor a bug: this instance is misconfigured (and not ready); another may answer.
      throw new AppError('unavailable', 'This instance cannot sign tokens until its configuration is fixed.', {
        headers: { 'Retry-After': '30' },
      });
    }
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  }
}

function toCached(s: StoredSigningKey): CachedKey {
  return {
    kid: s.kid,
    createdAt: s.createdAt,
    retiredAt: s.retiredAt,
    jwk: s.publicJwk,
    publicKey: createPublicKey({ key: s.publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' }),
    sealedPrivateKey: s.privateKeyEncrypted,
  };
}
