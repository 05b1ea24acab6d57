import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditEvent } from './audit';
import type { CircuitStateName } from './breaker';

export interface PoolStats {
  used: number;
  free: number;
  pending: number;
}

const HTTP_LABELS = ['operation_id', 'method', 'status'] as const;
const CIRCUIT_STATE_VALUES: Record<CircuitStateName, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * This app's Prometheus metrics, in a registry of its own (not prom-client's
 * global one), so that several apps in one process (tests) do not collide.
 * Each metric's `aggregator` says how a cluster sums it over workers (default: sum).
 */
export class Metrics {
  readonly registry = new Registry();
  private source = (): Promise<string> => this.registry.metrics();
  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by operation, method and status.',
    labelNames: HTTP_LABELS,
    registers: [this.registry],
  });
  private readonly durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its response.',
    labelNames: HTTP_LABELS,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly logins = new Counter({
    name: 'gatehouse_logins_total',
    help: 'Password logins, by result.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly refreshReuse = new Counter({
    name: 'gatehouse_refresh_reuse_total',
    help: 'Rotated refresh tokens presented again (each ended its session).',
    registers: [this.registry],
  });

  private readonly rateLimited = new Counter({
    name: 'gatehouse_rate_limited_total',
    help: 'Requests refused with 429, by the limit reached.',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  private readonly clientErrors = new Counter({
    name: 'gatehouse_http_client_errors_total',
    help: 'Requests refused by the HTTP server before the app saw them (malformed or too large request line or headers, too slow), by status.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  private readonly connectionsRefused = new Counter({
    name: 'gatehouse_http_connections_refused_total',
    help: 'Connections closed as soon as accepted, by the cap reached: server (MAX_CONNECTIONS) or per_address (MAX_CONNECTIONS_PER_IP).',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  private readonly circuitState = new Gauge({
    name: 'gatehouse_db_circuit_state',
    help: 'The database circuit breaker: 0 closed, 1 half-open (probing), 2 open (database calls fail at once).',
    registers: [this.registry],
    // Over workers: the worst breaker, not a sum of states.
    aggregator: 'max',
  });
  private readonly circuitOpenings = new Counter({
    name: 'gatehouse_db_circuit_openings_total',
    help: 'Times the database circuit breaker opened.',
    registers: [this.registry],
  });

  constructor(poolStats: () => PoolStats | undefined) {
    const pool = (name: keyof PoolStats, help: string) =>
      new Gauge({
        name: `gatehouse_db_pool_${name}_connections`,
        help,
        registers: [this.registry],
        collect() {
          const stats = poolStats();
          if (stats) this.set(stats[name]);
        },
      });
    pool('used', 'Database connections in use.');
    pool('free', 'Idle database connections in the pool.');
    pool('pending', 'Requests waiting for a database connection.');
    this.logins.inc({ result: 'success' }, 0);
    this.logins.inc({ result: 'failure' }, 0);
    this.circuitState.set(0);
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.source();
  }

  /** A cluster worker answers a scrape with the metrics of every worker, which `source` gathers. */
  aggregateWith(source: () => Promise<string>): void {
    this.source = source;
  }

  observeRequest(labels: { operation_id: string; method: string; status: number }, seconds: number): void {
    this.requests.inc(labels);
    this.durations.observe(labels, seconds);
  }

  readonly onCircuitState = (state: CircuitStateName): void => {
    this.circuitState.set(CIRCUIT_STATE_VALUES[state]);
    if (state === 'open') this.circuitOpenings.inc();
  };

  /** Counts the audit events that have a metric. */
  readonly onAudit = (event: AuditEvent): void => {
    if (event.event === 'login.succeeded') this.logins.inc({ result: 'success' });
    else if (event.event === 'login.failed') this.logins.inc({ result: 'failure' });
    else if (event.event === 'refresh.reuse_detected') this.refreshReuse.inc();
    else if (
      event.event === 'login.throttled' ||
      event.event === 'reauth.throttled' ||
      event.event === 'mfa.throttled'
    ) {
      this.rateLimited.inc({ limit: 'login_failures' });
    }
  };

  /** A request refused by the HTTP server itself, answered with this status (see api/client-errors.ts). */
  readonly onClientError = (status: number): void => {
    this.clientErrors.inc({ status });
  };

  /** A connection closed as soon as accepted, past one of the caps (see server.ts). */
  readonly onConnectionRefused = (limit: 'server' | 'per_address'): void => {
    this.connectionsRefused.inc({ limit });
  };

  /** A request refused by the named limit. */
  readonly onRateLimited = (limit: string): void => {
    this.rateLimited.inc({ limit });
  };
}
