import { isIPv6 } from 'node:net';
import type Redis from 'ioredis';
import {
  RateLimiterCluster,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Config, Quota } from './config';
import { AppError } from './errors';

/** A key's standing in one limiter, after counting a request (or looking). */
export interface Usage {
  limit: number;
  remaining: number;
  /** Seconds until the key's window ends and its count starts over. */
  resetS: number;
  windowS: number;
  exceeded: boolean;
}

/**
 * One counter per key over a fixed window that starts at the key's first hit
 * (rate-limiter-flexible). In Redis when a client is given, so every instance
 * counts together; should Redis fail, each process falls back to counting in
 * its own memory rather than letting everything through. Without Redis, the
 * workers of one cluster primary count in the primary's memory (over IPC), so
 * that N workers do not allow N times the limit; a single process counts in its own.
 */
export class Limiter {
  private readonly counter: RateLimiterAbstract;

  constructor(
    readonly name: string,
    readonly quota: Quota,
    store: CounterStore,
  ) {
    const options = { keyPrefix: `${store.keyPrefix}rl:${name}`, points: quota.points, duration: quota.durationS };
    if (store.redis) {
      this.counter = new RateLimiterRedis({
        ...options,
        storeClient: store.redis,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(options),
      });
    } else {
      this.counter = store.cluster ? new RateLimiterCluster(options) : new RateLimiterMemory(options);
    }
  }

  /** Counts one request for `key`. Past the limit the count goes on, but the window does not move. */
  async hit(key: string): Promise<Usage> {
    try {
      return this.usage(await this.counter.consume(key));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return this.usage(rejection);
      throw rejection;
    }
  }

  async reset(key: string): Promise<void> {
    await this.counter.delete(key);
  }

  /**
   * Marks `key` for the quota's window from now (used as a memory, not a
   * limit). `block` rather than `set`: the cluster store has no `set`.
   */
  async remember(key: string): Promise<void> {
    await this.counter.block(key, this.quota.durationS);
  }

  async remembers(key: string): Promise<boolean> {
    return (await this.counter.get(key)) !== null;
  }

  private usage(res: RateLimiterRes): Usage {
    const { points, durationS } = this.quota;
    return {
      limit: points,
      remaining: Math.max(0, points - res.consumedPoints),
      resetS: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
      windowS: durationS,
      exceeded: res.consumedPoints > points,
    };
  }
}

export interface CounterStore {
  /** Unset: counters live in memory. */
  redis: Redis | undefined;
  keyPrefix: string;
  /** Without Redis: count in the cluster primary's memory (this process is one of its workers). */
  cluster?: boolean;
}

/** The per-address limits: one on every request, and the named ones operations opt into with `x-rate-limit`. */
export class RateLimits {
  readonly perIp: Limiter | undefined;
  readonly named: ReadonlyMap<string, Limiter | undefined>;

  constructor(
    quotas: Config['rateLimits'],
    store: CounterStore,
    /** Told the name of the limit each time `charge` refuses (metrics). */
    private readonly onLimited: (limit: string) => void = () => undefined,
  ) {
    const limiter = (name: string, quota: Quota | undefined) => quota && new Limiter(name, quota, store);
    this.perIp = limiter('ip', quotas.perIp);
    this.named = new Map([
      ['token', limiter('token_ip', quotas.token)],
      ['signup', limiter('signup_ip', quotas.signup)],
    ]);
  }

  /**
   * Counts one request from `ip` against a named limit, for a service whose
   * operation is limited only for some requests (a change of login name
   * shares the sign-up limit: either one tells whether a name is taken).
   */
  async charge(name: 'signup', ip: string | undefined, detail: string): Promise<void> {
    const limiter = this.named.get(name);
    const usage = limiter && (await limiter.hit(clientAddress(ip)));
    if (usage?.exceeded) {
      this.onLimited(limiter!.name);
      throw tooManyRequests(usage, detail);
    }
  }
}

/** The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers, the form most clients read). */
export function rateLimitHeaders(usage: Usage): Record<string, string> {
  return {
    'RateLimit-Limit': String(usage.limit),
    'RateLimit-Remaining': String(usage.remaining),
    'RateLimit-Reset': String(usage.resetS),
    'RateLimit-Policy': `${usage.limit};w=${usage.windowS}`,
  };
}

/** The 429 problem for a limit reached: when to come back, and the limit's standing. */
export function tooManyRequests(usage: Usage, detail: string): AppError {
  return new AppError('rate_limited', detail, {
    headers: { 'Retry-After': String(usage.resetS), ...rateLimitHeaders(usage) },
  });
}

/**
 * The key a client is counted under: its address (as `TRUST_PROXY` lets
 * express see it, when that is an IP address: see api/client-ip.ts),
 * IPv4-mapped IPv6 as IPv4, and IPv6 by its /64, which one subscriber usually
 * holds whole.
 */
export function clientAddress(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(ip)) return ip;
  const [head = '', tail] = ip.split('%')[0]!.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const expanded =
    tail === undefined
      ? groups(head)
      : [...groups(head), ...Array<string>(8 - groups(head).length - groups(tail).length).fill('0'), ...groups(tail)];
  return `${expanded
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
