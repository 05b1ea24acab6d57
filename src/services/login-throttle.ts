import { createHash } from 'node:crypto';
import { clientAddress, Limiter, type CounterStore, type Usage } from '../core/rate-limit';

export const LOGIN_THROTTLE = Symbol('LoginThrottle');

/** Brute-force protection for password logins, per account. */
export interface LoginThrottle {
  /** Counts an attempt on `account` before its password is checked; the usage that blocks it, if any. */
  attempt(account: string, ip: string | undefined): Promise<Usage | undefined>;
  /** The password was right: the account's counts start over and this client is remembered. */
  succeeded(account: string, ip: string | undefined): Promise<void>;
}

const HOUR_S = 3_600;
/** Under 24.8 days: the in-memory store expires keys with setTimeout, which cannot wait longer. */
const KNOWN_CLIENT_S = 20 * 86_400;

/**
 * At most `limit` attempts in a row without a success per account per hour,
 * counted before the password is checked so that parallel guesses cannot slip
 * past the count. A block ends when the hour that began with the first failure
 * is up; attempts while blocked do not prolong it. So that an attacker cannot
 * keep a victim out by failing on purpose, a client address that logged in to
 * the account in the last 20 days is held only to its own count, not the
 * account's. Keys are digests: a login name is sometimes a mistyped password.
 */
export class CountingLoginThrottle implements LoginThrottle {
  private readonly perAccount: Limiter;
  private readonly perClient: Limiter;
  private readonly knownClients: Limiter;

  constructor(limit: number, store: CounterStore) {
    this.perAccount = new Limiter('login_account', { points: limit, durationS: HOUR_S }, store);
    this.perClient = new Limiter('login_account_client', { points: limit, durationS: HOUR_S }, store);
    this.knownClients = new Limiter('login_known_client', { points: 1, durationS: KNOWN_CLIENT_S }, store);
  }

  async attempt(account: string, ip: string | undefined): Promise<Usage | undefined> {
    const pair = digest(account, ip);
    const [all, fromClient] = await Promise.all([this.perAccount.hit(digest(account)), this.perClient.hit(pair)]);
    if (fromClient.exceeded) return fromClient;
    if (all.exceeded && !(await this.knownClients.remembers(pair))) return all;
    return undefined;
  }

  async succeeded(account: string, ip: string | undefined): Promise<void> {
    const pair = digest(account, ip);
    await Promise.all([
      this.perAccount.reset(digest(account)),
      this.perClient.reset(pair),
      this.knownClients.remember(pair),
    ]);
  }
}

/** An account, or an account and a client (by the address it is counted under: IPv6 by its /64). */
function digest(account: string, ip?: string): string {
  return createHash('sha256')
    .update(ip === undefined ? account : `${account}\n${clientAddress(ip)}`)
    .digest('base64url')
    .slice(0, 32);
}
