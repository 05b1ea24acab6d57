/** The knobs of `make bench`, all from the environment, read once. */
export const settings = {
  /**
   * `paths` (the service against the bare peer), `limits` (what rate limits cost), or both when unset;
   * `tracing` (what tracing costs) runs only when named.
   */
  only: process.env.BENCH_ONLY ?? '',
  rounds: positive('BENCH_ROUNDS', 5),
  limitsRounds: positive('BENCH_LIMITS_ROUNDS', 3),
  tracingRounds: positive('BENCH_TRACING_ROUNDS', 3),
  seconds: positive('BENCH_SECONDS', 5),
  warmupSeconds: positive('BENCH_WARMUP_SECONDS', 1),
  connections: positive('BENCH_CONNECTIONS', 16),
  threads: positive('BENCH_THREADS', 1),
  /** The server whose database the run borrows: a scratch database is created on it and dropped. */
  databaseUrl: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  /** A directory to keep each server's log in (stdout), for debugging; unset, it goes to /dev/null. */
  serverLogs: process.env.BENCH_SERVER_LOGS ?? '',
  /** Another checkout, compiled: the tracing section runs its service too, tracing off. */
  baselineBuild: process.env.BENCH_BASELINE_BUILD ?? '',
  /** Set to force autocannon even when wrk is installed. */
  loadGenerator: process.env.BENCH_LOAD_GENERATOR ?? '',
};

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}
