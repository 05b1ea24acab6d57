export const UNIT_OF_WORK = Symbol('UnitOfWork');

/**
 * One request, one unit of work: each request's scope (opened by the
 * request-id middleware) has a persistence context of its own; what
 * repositories stage in it is written by `commit`, which the router calls only
 * when the handler succeeded.
 */
export interface UnitOfWork {
  commit(): Promise<void>;
  /**
   * Runs `then` once the current context commits, and never if it does not
   * (the handler failed, or the commit did); at once outside any context.
   */
  afterCommit(then: () => void): void;
  /** A fresh context for `work`, committed if it resolves (start-up, jobs, CLI). */
  run<T>(work: () => Promise<T>): Promise<T>;
  /**
   * `work` in a database transaction within the current context: row locks
   * hold until it ends; it commits when `work` resolves and rolls back when it
   * rejects. Do no other database work concurrently from inside it.
   */
  transaction<T>(work: () => Promise<T>): Promise<T>;
}
