import winston, { type Logger } from 'winston';
import type Transport from 'winston-transport';
import type { Config } from './config';
import { scope } from './scope';

export type { Logger };

const withRequestId = winston.format((info) => {
  const requestId = scope.getStore()?.requestId;
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
