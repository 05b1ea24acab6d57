import winston, { type Logger } from 'winston';
import type Transport from 'winston-transport';
import type { Config } from './config';
import { scope } from './scope';

export type { Logger };

/** The request's id and, when tracing is on, its trace, on every line logged inside the request. */
const withRequestScope = winston.format((info) => {
  const current = scope.getStore();
  if (!current) return info;
  if (current.requestId && info.request_id === undefined) info.request_id = current.requestId;
  if (current.trace && info.trace_id === undefined) Object.assign(info, current.trace.logFields);
  return info;
});

/** JSON lines on stdout (or the given transports, which tests use to read what was logged). */
export function createLogger(level: Config['logLevel'], transports?: Transport[]): Logger {
  return winston.createLogger({
    level: level === 'silent' ? 'error' : level,
    silent: level === 'silent' && !transports,
    format: winston.format.combine(
      withRequestScope(),
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      winston.format.json(),
    ),
    transports: transports ?? [new winston.transports.Console()],
  });
}
