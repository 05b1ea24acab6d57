import type { Request, RequestHandler, Response } from 'express';
import { operations } from '../../../generated/operations';
import {
  clientAddress,
  rateLimitHeaders,
  tooManyRequests,
  type Limiter,
  type RateLimits,
  type Usage,
} from '../../core/rate-limit';
import { countedIp } from '../client-ip';

/** Probes and the metrics scrape are never limited: whoever runs the service must always get an answer. */
const UNLIMITED_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** The per-address limit, on every request but the probes, before any work is done for it. */
export function limitPerAddress(limits: RateLimits, onLimited: OnLimited): RequestHandler {
  const limiter = limits.perIp;
  return async (req, res, next) => {
    if (limiter && !UNLIMITED_PATHS.has(req.path)) {
      const detail = 'Too many requests from this address; retry after Retry-After seconds.';
      await count(limiter, req, res, detail, onLimited);
    }
    next();
  };
}

/**
 * The stricter limit an operation names with `x-rate-limit` in the spec. Runs
 * after the validator has matched the operation; every name the spec uses
 * must be one RateLimits knows, or the app does not start.
 */
export function limitPerOperation(limits: RateLimits, onLimited: OnLimited): RequestHandler {
  const byOperation = new Map<string, Limiter | undefined>();
  for (const op of Object.values(operations)) {
    if (op.rateLimit === null) continue;
    if (!limits.named.has(op.rateLimit)) {
      throw new Error(`${op.operationId} names an unknown rate limit: x-rate-limit: ${op.rateLimit}`);
    }
    byOperation.set(op.operationId, limits.named.get(op.rateLimit));
  }
  return async (req, res, next) => {
    const { openapi } = req as { openapi?: { schema?: { operationId?: string } } };
    const limiter = byOperation.get(openapi?.schema?.operationId ?? '');
    if (limiter) {
      await count(limiter, req, res, 'Too many requests of this kind from this address; retry later.', onLimited);
    }
    next();
  };
}

/** Told the name of the limit each time one refuses a request (metrics). */
type OnLimited = (limit: string) => void;

async function count(limiter: Limiter, req: Request, res: Response, detail: string, onLimited: OnLimited) {
  const usage = await limiter.hit(clientAddress(countedIp(req)));
  if (usage.exceeded) {
    onLimited(limiter.name);
    throw tooManyRequests(usage, detail);
  }
  // The headers describe the limit closest to running out.
  const shown = res.locals.rateLimit as Usage | undefined;
  if (!shown || usage.remaining <= shown.remaining) {
    res.locals.rateLimit = usage;
    res.set(rateLimitHeaders(usage));
  }
}
