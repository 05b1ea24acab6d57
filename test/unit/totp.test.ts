import { createHmac } from 'node:crypto';
import { URI } from 'otpauth';
import {
  matchingStep,
  newRecoveryCodes,
  newTotpSecret,
  otpauthUri,
  recoveryCodeDigest,
  totpCode,
  totpStep,
} from '../../src/services/totp';

/** RFC 6238 appendix B: the SHA-1 seed "12345678901234567890" and its 8-digit codes, here their last 6 digits. */
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_VECTORS: [number, string][] = [
  [59, '287082'],
  [1111111109, '081804'],
  [1111111111, '050471'],
  [1234567890, '005924'],
  [2000000000, '279037'],
  [20000000000, '353130'],
];

const at = (seconds: number) => new Date(seconds * 1000);

describe('TOTP (RFC 6238: SHA-1, 6 digits, 30 s)', () => {
  it.each(RFC_VECTORS)('gives the RFC test vector at %d s', (seconds, code) => {
    expect(totpCode(RFC_SECRET, at(seconds))).toBe(code);
    expect(matchingStep(RFC_SECRET, code, at(seconds))).toBe(Math.floor(seconds / 30));
  });

  describe('accepts the steps next to now, and no further', () => {
    const secret = newTotpSecret();
    // Now is the first millisecond of a step, then its last: the window is counted in steps, not seconds.
    const stepStart = 1_796_000_010 * 1000 - ((1_796_000_010 * 1000) % 30_000);
    it.each([
      ['first millisecond of the step', stepStart],
      ['last millisecond of the step', stepStart + 29_999],
    ])('at the %s', (_name, nowMs) => {
      const now = new Date(nowMs);
      const step = totpStep(now);
      const codeOf = (offset: number) => totpCode(secret, new Date((step + offset) * 30_000));
      expect(matchingStep(secret, codeOf(0), now)).toBe(step);
      expect(matchingStep(secret, codeOf(-1), now)).toBe(step - 1);
      expect(matchingStep(secret, codeOf(1), now)).toBe(step + 1);
      // ±2 steps: a code that old (or that far ahead) is refused, unless it happens to equal a code
      // in the window (1 in 10^5 odds each); the secret is fixed per run, so check that first.
      const window = [-1, 0, 1].map(codeOf);
      for (const offset of [-2, 2]) {
        if (!window.includes(codeOf(offset))) expect(matchingStep(secret, codeOf(offset), now)).toBeNull();
      }
    });
  });

  it('makes 160-bit secrets in base32, each new', () => {
    const secrets = new Set(Array.from({ length: 50 }, newTotpSecret));
    expect(secrets.size).toBe(50);
    for (const s of secrets) expect(s).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('writes an otpauth URI that authenticator apps read: issuer, account, secret, SHA1, 6 digits, 30 s', () => {
    const secret = newTotpSecret();
    const uri = otpauthUri(secret, 'Gatehouse', 'ada_lovelace');
    expect(uri.startsWith('otpauth://totp/Gatehouse:ada_lovelace?')).toBe(true);
    const params = new URL(uri).searchParams;
    expect(Object.fromEntries(params)).toEqual({
      issuer: 'Gatehouse',
      secret,
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
    const parsed = URI.parse(uri);
    const now = new Date();
    expect(parsed.generate({ timestamp: now.getTime() })).toBe(totpCode(secret, now));
  });

  it('escapes an issuer and account with spaces or other characters', () => {
    const uri = otpauthUri(newTotpSecret(), 'Acme Login', 'ada.l-o_v');
    expect(uri).toMatch(/^otpauth:\/\/totp\/Acme%20Login:ada\.l-o_v\?issuer=Acme%20Login&/);
  });
});

describe('recovery codes', () => {
  it('are ten, distinct, of 12 letters and digits in groups of four', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);
  });

  it('are kept as keyed digests of one form: any case, with or without dashes and spaces', () => {
    const key = Buffer.alloc(32, 7);
    const digest = recoveryCodeDigest(key, '7kq2-9xmd-4tvb');
    expect(digest).toBe(createHmac('sha256', key).update('7kq29xmd4tvb').digest('hex'));
    expect(recoveryCodeDigest(key, '7KQ2 9XMD 4TVB')).toBe(digest);
    expect(recoveryCodeDigest(key, '7kq29xmd4tvb')).toBe(digest);
    expect(recoveryCodeDigest(Buffer.alloc(32, 8), '7kq2-9xmd-4tvb')).not.toBe(digest);
  });
});
