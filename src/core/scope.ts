import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestTrace } from './tracing';

/**
 * What one request (or one job) carries through its asynchronous calls.
 * This is the process's one AsyncLocalStorage: on Node 20 every instance in
 * use adds work to every promise, so the log's request id, the unit of
 * work's persistence context and the request's trace share it.
 */
export interface Scope {
  /** The request's id, added to every log line. */
  readonly requestId?: string | undefined;
  /** The unit of work's own state, made the first time it is needed (most requests never need it). */
  unitOfWork?: object;
  /** The request's span when tracing is on: the parent of its database and Redis spans, and in its log lines. */
  trace?: RequestTrace;
}

export const scope = new AsyncLocalStorage<Scope>();
