/**
 * Domain errors. Thrown anywhere below the HTTP layer; the error middleware is
 * the one place that turns them into problem+json, using STATUS below.
 */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'mfa_required'
  | 'mfa_enrolment_required'
  | 'not_found'
  | 'method_not_allowed'
  | 'not_acceptable'
  | 'request_timeout'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'weak_password'
  | 'rate_limited'
  | 'header_fields_too_large'
  | 'internal'
  | 'not_implemented'
  | 'unavailable';

/** The compiler makes every code have a status and a title. */
export const STATUS: Record<ErrorCode, { status: number; title: string }> = {
  bad_request: { status: 400, title: 'Bad request' },
  validation_failed: { status: 400, title: 'Validation failed' },
  unauthenticated: { status: 401, title: 'Unauthenticated' },
  forbidden: { status: 403, title: 'Forbidden' },
  mfa_required: { status: 403, title: 'Second factor required' },
  mfa_enrolment_required: { status: 403, title: 'Authenticator enrolment required' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  not_acceptable: { status: 406, title: 'Not acceptable' },
  request_timeout: { status: 408, title: 'Request timeout' },
  conflict: { status: 409, title: 'Conflict' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  unprocessable: { status: 422, title: 'Unprocessable content' },
  weak_password: { status: 422, title: 'Password not accepted' },
  rate_limited: { status: 429, title: 'Too many requests' },
  header_fields_too_large: { status: 431, title: 'Request header fields too large' },
  internal: { status: 500, title: 'Internal server error' },
  not_implemented: { status: 501, title: 'Not implemented' },
  unavailable: { status: 503, title: 'Service unavailable' },
};

export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    detail: string,
    readonly options: {
      errors?: FieldError[];
      headers?: Record<string, string>;
      /** Extra members of the problem document (RFC 9457 extensions). */
      extensions?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(detail: string, errors: FieldError[]) {
    super('validation_failed', detail, { errors });
  }
}

export class ForbiddenError extends AppError {
  constructor(detail: string) {
    super('forbidden', detail);
  }
}

export class NotFoundError extends AppError {
  constructor(detail: string) {
    super('not_found', detail);
  }
}

/** A uniqueness rule would be broken; `field` names what collided. */
export class ConflictError extends AppError {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super('conflict', detail);
  }
}

/** A password the password policy refuses; `rule` says which rule, never what the password was. */
export class WeakPasswordError extends AppError {
  constructor(
    readonly rule: string,
    reason: string,
    path: string,
  ) {
    super('weak_password', `The password is not accepted: it ${reason}.`, {
      errors: [{ path, message: reason }],
      extensions: { rule },
    });
  }
}

export class UnavailableError extends AppError {
  constructor(detail: string, extensions?: Record<string, unknown>) {
    super('unavailable', detail, { extensions });
  }
}

/** What a generated stub handler throws until it is filled in (see scripts/lib/stubs.ts). */
export class NotImplementedError extends AppError {
  constructor(readonly operationId: string) {
    super('not_implemented', `The operation ${operationId} is not implemented yet.`, {
      extensions: { operation_id: operationId },
    });
  }
}
