import { createHash } from 'node:crypto';
import { Router, type Response } from 'express';
import { bindOperations, type Handlers, type OperationMeta, type Results } from '../../generated/operations';
import { AppError } from '../core/errors';
import type { UnitOfWork } from '../core/unit-of-work';
import type { Principal } from '../models/domain/session';
import { requestCtx, type RequestCtx } from './dependencies';

/**
 * Mounts every operation of the spec on its method and path. What the
 * handler staged is committed only when it succeeds; errors fall through to
 * the problem middleware. A GET route also answers HEAD (express sends the
 * same status and headers, without the body; the validator is given HEAD by
 * `validatorSpec`), so HEAD runs the same guards, handler and unit of work.
 */
export function operationsRouter(
  handlers: Handlers<RequestCtx, Principal>,
  uow: UnitOfWork,
  enrolmentGate: (operationId: string, caller: Principal) => void = () => undefined,
): Router {
  const router = Router();
  bindOperations(handlers, (op, invoke) => {
    router[op.method](op.route, async (req, res) => {
      res.locals.operationId = op.operationId;
      if (req.authUnavailable) throw req.authUnavailable;
      if (op.secured && !req.principal)
        throw new AppError('unauthenticated', 'A valid bearer access token is required.');
      if (req.principal) enrolmentGate(op.operationId, req.principal);
      const result = await invoke(req, requestCtx(req));
      await uow.commit();
      send(res, op, result);
    });
  });
  return router;
}

function send(res: Response, op: OperationMeta, result: Results[keyof Results]): void {
  res.status(result.status);
  if ('headers' in result) res.set(result.headers);
  if (!(304 in op.responses)) {
    // express would answer `If-None-Match: *` with a 304 on any GET; only the spec's operations may.
    // (Deleted only when present: a delete turns the headers object into a slow dictionary.)
    const { headers } = res.req;
    if (headers['if-none-match'] !== undefined) delete headers['if-none-match'];
    if (headers['if-modified-since'] !== undefined) delete headers['if-modified-since'];
  } else if (result.status === 200 && 'body' in result) {
    // The spec offers conditional GETs here: a strong validator of the body. Answered here, not
    // by express, whose check gives up when the request says `Cache-Control: no-cache`, as fetch()
    // does on every conditional request: that directive is for caches, and this is the origin.
    const digest = createHash('sha256').update(JSON.stringify(result.body)).digest('base64url');
    const etag = `"${digest.slice(0, 32)}"`;
    res.set({ ETag: etag, 'Cache-Control': 'private, no-cache' });
    if (noneMatch(res.req.headers['if-none-match'], etag)) {
      res.status(304).end();
      return;
    }
  }
  const mediaType = op.responses[result.status];
  if (!('body' in result) || !mediaType) {
    res.end();
  } else if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    res.type(mediaType).json(result.body);
  } else {
    res.type(mediaType).send(result.body);
  }
}

/**
 * Whether an `If-None-Match` header names `etag` (or is `*`): a weak comparison, so `W/"x"`
 * matches `"x"` (RFC 9110 13.1.2).
 */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
