import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { describeError, safeMessage, safeStack } from '../../core/error-description';
import { AppError, NotImplementedError, STATUS, type ErrorCode, type FieldError } from '../../core/errors';
import type { Logger } from '../../core/logging';

export const PROBLEM_TYPE_PREFIX = 'urn:gatehouse:problem:';
/** Codes whose problem type has another name than the code: clients match these by the suffix the spec gives. */
const PROBLEM_TYPE_NAMES: Partial<Record<ErrorCode, string>> = {
  mfa_required: 'auth/mfa-required',
  mfa_enrolment_required: 'auth/mfa-enrolment-required',
};

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  503: 'unavailable',
};

/**
 * The database (or the way to it) is down or saturated: worth a retry, not a 500.
 * Matched by message where there is no code: node-postgres's timeouts ("Query read
 * timeout", "timeout expired"), and knex's acquire timeout once MikroORM has wrapped
 * it in a DriverException (which keeps the message, not the name).
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  // A statement that waited out statement_timeout or lock_timeout (DB_STATEMENT_TIMEOUT_MS,
  // DB_LOCK_TIMEOUT_MS): the database is saturated or a table is locked. They count towards the
  // circuit breaker like any outage: a database that times statements out gets fewer of them.
  '57014', // query_canceled
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08006', // connection exceptions
  'ECIRCUITOPEN', // CircuitOpenError: the breaker did not even try
]);
const UNAVAILABLE_NAMES = new Set(['KnexTimeoutError', 'ConnectionException']);
// knex puts a failed query's SQL and " - " before the driver's message.
const UNAVAILABLE_MESSAGE =
  /(^| - )(connect ECONNREFUSED|Connection terminated|(Knex: )?Timeout acquiring a connection|Query read timeout|timeout expired$)/;
export const RETRY_AFTER_S = '2';

export function isUnavailable(err: unknown): boolean {
  const e = (err ?? {}) as { name?: string; code?: string; message?: string };
  return (
    UNAVAILABLE_NAMES.has(e.name ?? '') ||
    UNAVAILABLE_CODES.has(e.code ?? '') ||
    UNAVAILABLE_MESSAGE.test(e.message ?? '')
  );
}

/** Errors thrown by express-openapi-validator and body-parser carry these. */
interface HttpishError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  errors?: { path?: string; message?: string }[];
  headers?: Record<string, string>;
}

/** Every error, from anywhere, as a domain error; an unknown one becomes 'internal'. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isUnavailable(err)) {
    // An open circuit breaker knows when it will next try the database; otherwise a short guess.
    const retryAfterS = (err as { retryAfterS?: unknown }).retryAfterS;
    const retryAfter = typeof retryAfterS === 'number' ? String(retryAfterS) : RETRY_AFTER_S;
    return new AppError('unavailable', DETAILS.unavailable!, { headers: { 'Retry-After': retryAfter }, cause: err });
  }
  const e = (err ?? {}) as HttpishError;
  const status = e.status ?? e.statusCode;
  if (e.type === 'entity.parse.failed') return new AppError('bad_request', 'The request body is not valid JSON.');
  if (e.type === 'entity.too.large') {
    return new AppError('payload_too_large', 'The request body is larger than this server accepts.');
  }
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return new AppError('unsupported_media_type', 'The request body is in an encoding this server does not accept.');
  }
  if (Array.isArray(e.errors) && status === 400) {
    const errors: FieldError[] = e.errors.map((item) => ({
      path: item.path ?? '',
      message: item.message ?? 'is invalid',
    }));
    return new AppError('validation_failed', 'The request does not match the API description; see errors.', {
      errors,
    });
  }
  const code = status === undefined ? undefined : BY_STATUS[status];
  if (code && (Array.isArray(e.errors) || e.expose === true)) {
    const allow = e.headers?.Allow ?? e.headers?.allow;
    const headers: Record<string, string> | undefined = allow
      ? { Allow: allow }
      : code === 'unavailable'
        ? { 'Retry-After': RETRY_AFTER_S }
        : undefined;
    return new AppError(code, DETAILS[code] ?? STATUS[code].title, headers ? { headers } : {});
  }
  return new AppError('internal', 'An unexpected error occurred. Quote the request id when reporting it.', {
    cause: err,
  });
}

const DETAILS: Partial<Record<ErrorCode, string>> = {
  unauthenticated: 'A valid bearer access token is required.',
  forbidden: 'You do not have permission to do this.',
  not_found: 'No resource is at this path.',
  method_not_allowed: 'This path does not accept this method.',
  not_acceptable: 'None of the media types in Accept can be produced.',
  unsupported_media_type: 'The request body must be application/json.',
  payload_too_large: 'The request body is larger than this server accepts.',
  bad_request: 'The request is malformed.',
  unavailable: 'The service cannot reach its database right now; retry shortly.',
};

/** The one place errors become RFC 9457 problem+json. 5xx are logged with their cause; nothing internal is sent. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const error = toAppError(err);
    const { status } = STATUS[error.code];
    const cause = error.options.cause ?? error;
    if (error.code === 'unavailable') {
      // Expected while a dependency is down, once per request: a line each, not a stack trace each.
      const { message, name: _name, ...where } = describeError(cause);
      logger.warn('request failed: unavailable', { request_id: req.id, reason: message, ...where });
    } else if (error instanceof NotImplementedError) {
      // A generated stub not yet filled in: where, not a stack trace (make check lists them too).
      logger.warn('request failed: not implemented', { request_id: req.id, operation_id: error.operationId });
    } else if (status >= 500) {
      logger.error('request failed', { request_id: req.id, error: describe(cause) });
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (status === 401) res.set('WWW-Authenticate', 'Bearer realm="gatehouse"');
    res
      .status(status)
      .set(error.options.headers ?? {})
      .type('application/problem+json')
      .json(problemDocument(error, instance(req), req.id));
  };
}

/** The RFC 9457 document for an error: the one shape of every problem, wherever it is answered. */
export function problemDocument(error: AppError, instance: string, requestId: string): Record<string, unknown> {
  const { status, title } = STATUS[error.code];
  return {
    ...error.options.extensions,
    type: PROBLEM_TYPE_PREFIX + (PROBLEM_TYPE_NAMES[error.code] ?? error.code),
    title,
    status,
    detail: error.message,
    instance,
    request_id: requestId,
    ...(error.options.errors ? { errors: error.options.errors } : {}),
  };
}

/** Anything that reached the end of the chain unanswered. */
export function notFound(): RequestHandler {
  return () => {
    throw new AppError('not_found', DETAILS.not_found ?? 'Not found.');
  };
}

function instance(req: Request): string {
  return req.originalUrl.split('?')[0] ?? '/';
}

/** The cause as the log may hold it: a database error by its SQLSTATE and table, never its statement. */
function describe(cause: unknown): Record<string, unknown> {
  if (cause instanceof Error) {
    const extra = (cause as { errors?: unknown }).errors;
    return { ...describeError(cause), stack: safeStack(cause), ...(extra ? { errors: extra } : {}) };
  }
  return { value: safeMessage(cause) };
}
