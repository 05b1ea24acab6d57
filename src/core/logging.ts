import { AsyncLocalStorage } from 'node:async_hooks';
import winston, { type Logger } from 'winston';
import type Transport from 'winston-transport';
import type { Config } from './config';

export type { Logger };

/** Per-request values every log line carries; set by the request-id middleware. */
export const logContext = new AsyncLocalStorage<{ requestId: string }>();

const withRequestId = winston.format((info) => {
  const requestId = logContext.getStore()?.requestId;
  if (requestId && info.request_id === undefined) info.request_id = requestId;
  return info;
});

/** JSON lines on stdout (or the given transports, which tests use to read what was logged). */
export function createLogger(level: Config['logLevel'], transports?: Transport[]): Logger {
  return winston.createLogger({
    level: level === 'silent' ? 'error' : level,
    silent: level === 'silent' && !transports,
    format: winston.format.combine(
      withRequestId(),
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      winston.format.json(),
    ),
    transports: transports ?? [new winston.transports.Console()],
  });
}
