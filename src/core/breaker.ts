import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  noJitterGenerator,
  type CircuitBreakerPolicy,
  type IBackoff,
} from 'cockatiel';
import type { Logger } from './logging';
import { safeMessage } from './error-description';

export type CircuitStateName = 'closed' | 'half_open' | 'open';

export interface BreakerSettings {
  /** Consecutive unavailability errors that open the circuit. */
  threshold: number;
  /** Wait before the first probe; it doubles after each failed probe, up to maxHalfOpenAfterMs. */
  halfOpenAfterMs: number;
  maxHalfOpenAfterMs: number;
}

/**
 * Thrown instead of calling the database while the circuit is open. `code`
 * and `retryAfterS` are own properties so that they survive MikroORM, which
 * wraps errors from a query in a DriverException by copying own properties.
 */
export class CircuitOpenError extends Error {
  readonly code = 'ECIRCUITOPEN';

  constructor(readonly retryAfterS: number) {
    super('the database circuit breaker is open');
    this.name = 'CircuitOpenError';
  }
}

const NAMES: Partial<Record<CircuitState, CircuitStateName>> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Open]: 'open',
};

/**
 * A cockatiel circuit breaker for database calls: after `threshold`
 * unavailability errors in a row, calls fail at once with CircuitOpenError
 * instead of each waiting out a timeout; then one probe at a time, with
 * exponential backoff between failed probes, finds out when the database is back.
 */
export class DatabaseBreaker {
  private readonly policy: CircuitBreakerPolicy;
  private openedAt = 0;
  private probeDelayMs = 0;

  constructor(
    settings: BreakerSettings,
    /** Which errors mean the database is unavailable; no other error counts. */
    isFailure: (error: unknown) => boolean,
    logger: Logger,
  ) {
    const backoff = new ExponentialBackoff({
      initialDelay: settings.halfOpenAfterMs,
      maxDelay: settings.maxHalfOpenAfterMs,
      // One instance sends one probe per interval, so a fixed schedule is clearer than jitter.
      generator: noJitterGenerator,
    });
    // The policy asks the backoff for each delay as it opens; noting it tells Retry-After when the next probe is.
    const noted = (delay: IBackoff<unknown>): IBackoff<unknown> => {
      this.probeDelayMs = delay.duration;
      return { duration: delay.duration, next: (context) => noted(delay.next(context)) };
    };
    this.policy = circuitBreaker(handleWhen(isFailure), {
      breaker: new ConsecutiveBreaker(settings.threshold),
      halfOpenAfter: { next: () => noted(backoff.next()) },
    });
    this.policy.onBreak((reason) => {
      this.openedAt = Date.now();
      logger.warn('database circuit opened: database calls fail at once until a probe succeeds', {
        probe_in_ms: this.probeDelayMs,
        reason: 'error' in reason ? safeMessage(reason.error) : undefined,
      });
    });
    this.policy.onHalfOpen(() => logger.info('database circuit half-open: probing the database'));
    this.policy.onReset(() => logger.info('database circuit closed: the database answers again'));
  }

  get state(): CircuitStateName {
    return NAMES[this.policy.state] ?? 'open';
  }

  /** Listens to state changes (closed, open, half-open). */
  onStateChange(listener: (state: CircuitStateName) => void): void {
    this.policy.onStateChange((state) => listener(NAMES[state] ?? 'open'));
  }

  /** Whole seconds until the next probe may run (at least 1: a client cannot retry sooner usefully). */
  retryAfterS(): number {
    return Math.max(1, Math.ceil((this.openedAt + this.probeDelayMs - Date.now()) / 1000));
  }

  /**
   * Runs `call` unless the circuit is open. While a probe is in flight, other
   * calls fail at once rather than queue behind it (cockatiel would make them wait).
   */
  execute<T>(call: () => Promise<T>): Promise<T> {
    if (this.policy.state === CircuitState.HalfOpen) return Promise.reject(new CircuitOpenError(1));
    return this.policy.execute(call).catch((error: unknown) => {
      throw error instanceof BrokenCircuitError ? new CircuitOpenError(this.retryAfterS()) : error;
    });
  }
}
