import { VerifiedTokens } from '../../src/core/verified-tokens';

const header = (kid: string | undefined) =>
  Buffer.from(JSON.stringify({ alg: 'ES256', ...(kid ? { kid } : {}) })).toString('base64url');
const token = (kid: string | undefined, n = 0) => `${header(kid)}.payload${n}.signature`;
const nowS = () => Math.floor(Date.now() / 1000);
const known = async () => true;

describe('VerifiedTokens', () => {
  afterEach(() => jest.useRealTimers());

  it('gives back the claims of a token verified before, and nothing for one never verified', async () => {
    const cache = new VerifiedTokens<{ sub: string; exp: number }>(10, 5);
    const claims = { sub: 'u-1', exp: nowS() + 600 };
    cache.remember(token('k1'), claims);
    expect(await cache.lookup(token('k1'), known)).toBe(claims);
    expect(await cache.lookup(token('k1', 1), known)).toBeUndefined();
  });

  it('forgets a token once it has expired, allowing the same clock tolerance as the verifier', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const cache = new VerifiedTokens<{ exp: number }>(10, 5);
    cache.remember(token('k1'), { exp: nowS() + 60 });
    jest.setSystemTime(Date.now() + 64_000);
    expect(await cache.lookup(token('k1'), known)).toBeDefined();
    jest.setSystemTime(Date.now() + 1_000);
    expect(await cache.lookup(token('k1'), known)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('asks on every hit whether the key that verified it still verifies', async () => {
    const cache = new VerifiedTokens<{ exp: number }>(10, 5);
    cache.remember(token('k1'), { exp: nowS() + 600 });
    const asked: string[] = [];
    const gone = async (kid: string) => (asked.push(kid), false);
    expect(await cache.lookup(token('k1'), gone)).toBeUndefined();
    expect(asked).toEqual(['k1']);
  });

  it('keeps no token without exp or kid', async () => {
    const cache = new VerifiedTokens<{ exp?: number }>(10, 5);
    cache.remember(token('k1'), {});
    cache.remember(token(undefined), { exp: nowS() + 600 });
    cache.remember('not a token', { exp: nowS() + 600 });
    expect(cache.size).toBe(0);
  });

  it('holds at most its capacity, dropping the oldest first', async () => {
    const cache = new VerifiedTokens<{ exp: number }>(2, 5);
    for (const n of [1, 2, 3]) cache.remember(token('k1', n), { exp: nowS() + 600 });
    expect(cache.size).toBe(2);
    expect(await cache.lookup(token('k1', 1), known)).toBeUndefined();
    expect(await cache.lookup(token('k1', 3), known)).toBeDefined();
  });
});
