import { randomBytes } from 'node:crypto';
import {
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
