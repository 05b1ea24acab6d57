import type { RequestHandler } from 'express';
import type { Logger } from '../../core/logging';
import { clientIp } from '../client-ip';

/** One line per request once the response is done. The query string is left out: it may carry secrets. */
export function accessLog(logger: Logger): RequestHandler {
  // Below the level, winston would still have every line built and formatted before dropping it.
  if (!logger.isInfoEnabled()) return (_req, _res, next) => next();
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      logger.info('request', {
        request_id: req.id,
        method: req.method,
        path: req.originalUrl.split('?')[0],
        operation_id: res.locals.operationId as string | undefined,
        status: res.statusCode,
        aborted: !res.writableFinished,
        duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
        ip: clientIp(req),
        user_agent: req.get('user-agent'),
      });
    };
    res.once('finish', done);
    res.once('close', done);
    next();
  };
}
