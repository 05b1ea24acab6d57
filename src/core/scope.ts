import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What one request (or one job) carries through its asynchronous calls.
 * This is the process's one AsyncLocalStorage: on Node 20 every instance in
 * use adds work to every promise, so the log's request id and the unit of
 * work's persistence context share it.
 */
export interface Scope {
  /** The request's id, added to every log line. */
  readonly requestId?: string | undefined;
  /** The unit of work's own state, made the first time it is needed (most requests never need it). */
  unitOfWork?: object;
}

export const scope = new AsyncLocalStorage<Scope>();
