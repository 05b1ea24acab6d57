import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { logContext } from '../../core/logging';

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Takes a sane X-Request-Id or makes one, echoes it, and puts it in every log line of the request. */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    req.id = given && SANE_ID.test(given) ? given : randomUUID();
    res.set('X-Request-Id', req.id);
    logContext.run({ requestId: req.id }, next);
  };
}
