import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { scope } from '../../core/scope';

/** Short and plain: a client's id goes into every log line, audit events included. */
const SANE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Takes a sane X-Request-Id or makes one and echoes it; opens the request's
 * scope, which puts the id in every log line and holds its unit of work.
 */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    req.id = given && SANE_ID.test(given) ? given : randomUUID();
    res.set('X-Request-Id', req.id);
    scope.run({ requestId: req.id }, next);
  };
}
