import type { RequestHandler } from 'express';
import { operations, type OperationId } from '../../../generated/operations';
import { scope } from '../../core/scope';
import type { Tracing } from '../../core/tracing';
import { operationOf } from './metrics';

/**
 * Mounted only when tracing is on, right after requestId: opens the request's
 * server span in the scope that requestId opened, and ends it once the
 * response is done, named by the operation the request matched.
 */
export function traceRequests(tracing: Tracing): RequestHandler {
  return (req, res, next) => {
    const current = scope.getStore();
    if (current) {
      const trace = tracing.startRequest(req);
      current.trace = trace;
      res.once('close', () => {
        const operationId = operationOf(req, res);
        trace.end({
          operationId,
          route:
            operationId && Object.hasOwn(operations, operationId)
              ? operations[operationId as OperationId].path
              : undefined,
          status: res.headersSent ? res.statusCode : undefined,
          completed: res.writableFinished,
        });
      });
    }
    next();
  };
}
