import { timingSafeEqual, createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { OperationId } from '../../../generated/operations';
import { AppError } from '../../core/errors';
import type { Metrics } from '../../core/metrics';

/**
 * Counts and times every response. The operation is the router's, or the
 * validator's when the request was rejected before reaching the router
 * (e.g. a 400 or 401), so failures count against their operation too.
 */
export function recordMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const operationId = operationOf(req, res) ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.observeRequest({ operation_id: operationId, method: req.method, status: res.statusCode }, seconds);
    });
    next();
  };
}

/** The operation the router (or the metrics token check) named, or else the one the validator matched. */
export function operationOf(req: Request, res: Response): string | undefined {
  const named = res.locals.operationId as string | undefined;
  return named ?? (req as { openapi?: { schema?: { operationId?: string } } }).openapi?.schema?.operationId;
}

/**
 * With a token set, `GET /metrics` needs it as a bearer token; without, the
 * endpoint is open. Runs before request validation, like bearerAuth, so a
 * caller without the token learns nothing from a 400.
 */
export function requireMetricsToken(token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : digest(token);
  return (req, res, next) => {
    if (expected === undefined) return next();
    // Named here because a refusal never reaches the validator or the router, which name it otherwise.
    res.locals.operationId = 'getMetrics' satisfies OperationId;
    const [scheme, presented] = (req.get('authorization') ?? '').split(' ');
    // Compared as fixed-length digests, so neither content nor length leaks through timing.
    if (scheme?.toLowerCase() === 'bearer' && presented && timingSafeEqual(digest(presented), expected)) return next();
    throw new AppError('unauthenticated', 'This endpoint needs the metrics bearer token.');
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
