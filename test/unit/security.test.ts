import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import {
  Argon2PasswordHasher,
  ARGON2_OPTIONS,
  decrypt,
  deriveSecretKeys,
  encrypt,
  newRefreshToken,
  successorToken,
  tokenDigest,
} from '../../src/core/security';

describe('encryption at rest', () => {
  const key = randomBytes(32);
  const secret = Buffer.from('the private key');

  it('round-trips', () => {
    expect(decrypt(key, encrypt(key, secret, 'kid-1'), 'kid-1')).toEqual(secret);
  });

  it('uses a fresh IV each time', () => {
    expect(encrypt(key, secret, 'kid-1')).not.toBe(encrypt(key, secret, 'kid-1'));
  });

  it('refuses a wrong key, a wrong context (kid) and any tampering', () => {
    const sealed = encrypt(key, secret, 'kid-1');
    expect(() => decrypt(randomBytes(32), sealed, 'kid-1')).toThrow();
    expect(() => decrypt(key, sealed, 'kid-2')).toThrow();
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3]!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => decrypt(key, [...parts.slice(0, 3), flipped.toString('base64url')].join('.'), 'kid-1')).toThrow();
    expect(() => decrypt(key, 'v2.a.b.c', 'kid-1')).toThrow(/format/);
  });
});

describe('refresh token primitives', () => {
  it('makes 256-bit tokens', () => {
    expect(Buffer.from(newRefreshToken(), 'base64url')).toHaveLength(32);
    expect(newRefreshToken()).not.toBe(newRefreshToken());
  });

  it('derives the same successor from the same token, and different ones otherwise', () => {
    const { refreshDerivation } = deriveSecretKeys(randomBytes(32));
    const token = newRefreshToken();
    expect(successorToken(refreshDerivation, token)).toBe(successorToken(refreshDerivation, token));
    expect(successorToken(refreshDerivation, token)).not.toBe(successorToken(refreshDerivation, newRefreshToken()));
    expect(Buffer.from(successorToken(refreshDerivation, token), 'base64url')).toHaveLength(32);
  });

  it('stores a digest that does not reveal the token', () => {
    const token = newRefreshToken();
    expect(tokenDigest(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenDigest(token)).not.toContain(token);
  });

  it('derives independent subkeys from the master key', () => {
    const keys = deriveSecretKeys(randomBytes(32));
    expect(keys.keyEncryption.equals(keys.refreshDerivation)).toBe(false);
  });
});

describe('Argon2PasswordHasher and Unicode normalisation', () => {
  // Cheap parameters: the forms tried are what is tested here, not argon2.
  const options = { ...ARGON2_OPTIONS, memoryCost: 1024, timeCost: 1 } as unknown as typeof ARGON2_OPTIONS;
  const hasher = new Argon2PasswordHasher(options);
  const composed = 'caf\u00e9 cr\u00e8me br\u00fbl\u00e9e';
  const decomposed = composed.normalize('NFD');

  it('hashes the NFKC form, so either form verifies and nothing needs a rehash', async () => {
    const hash = await hasher.hash(decomposed);
    expect(await argon2.verify(hash, composed.normalize('NFKC'))).toBe(true);
    expect(await hasher.check(hash, composed)).toEqual({ matches: true, rehash: false });
    expect(await hasher.check(hash, decomposed)).toEqual({ matches: true, rehash: false });
    expect(await hasher.verify(hash, '\uff43\uff41\uff46\u00e9 cr\u00e8me br\u00fbl\u00e9e')).toBe(true); // full-width "caf"
  });

  it.each([
    ['decomposed', decomposed],
    ['composed', composed],
  ])(
    'matches a hash made of the raw decomposed form before normalisation, typed %s, and asks for a rehash',
    async (_n, typed) => {
      const legacy = await argon2.hash(decomposed, options);
      expect(await hasher.check(legacy, typed)).toEqual({ matches: true, rehash: true });
    },
  );

  it('refuses a wrong password in every form, and a malformed hash', async () => {
    const hash = await hasher.hash(composed);
    expect(await hasher.check(hash, 'cafe creme brulee')).toEqual({ matches: false, rehash: false });
    expect(await hasher.check('not a hash', composed)).toEqual({ matches: false, rehash: false });
  });

  it('asks for a rehash of a hash made with other parameters', async () => {
    const old = await argon2.hash('correct horse battery staple', { ...options, timeCost: 2 });
    expect(await hasher.check(old, 'correct horse battery staple')).toEqual({ matches: true, rehash: true });
  });
});
