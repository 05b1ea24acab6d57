/**
 * Errors as they may be logged (or printed, or put on a span). A database error carries the
 * statement that failed: knex puts it before the driver's message (`<sql> - <message>`) with
 * every value inlined by MikroORM (login names, emails, password hashes), and PostgreSQL's own
 * message and detail may quote a value too (`invalid input syntax for type uuid: "…"`,
 * `Key (email)=(…) already exists`). So a PostgreSQL error is told by its SQLSTATE, condition
 * name, table, column and constraint, never by its text; any other error whose message begins
 * with a statement keeps only what follows the statement (`Query read timeout`, say).
 */
export interface ErrorDescription {
  name: string;
  message: string;
  /** SQLSTATE, for PostgreSQL's errors. */
  code?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

/** PostgreSQL's condition names (Appendix A of its manual) for the codes we meet; others go by class. */
const CONDITIONS: Record<string, string> = {
  '22001': 'string_data_right_truncation',
  '22003': 'numeric_value_out_of_range',
  '22007': 'invalid_datetime_format',
  '22P02': 'invalid_text_representation',
  '23502': 'not_null_violation',
  '23503': 'foreign_key_violation',
  '23505': 'unique_violation',
  '23514': 'check_violation',
  '25P02': 'in_failed_sql_transaction',
  '40001': 'serialization_failure',
  '40P01': 'deadlock_detected',
  '42703': 'undefined_column',
  '42P01': 'undefined_table',
  '53300': 'too_many_connections',
  '55P03': 'lock_not_available',
  '57014': 'query_canceled',
  '57P01': 'admin_shutdown',
};
const CLASSES: Record<string, string> = {
  '08': 'connection_exception',
  '22': 'data_exception',
  '23': 'integrity_constraint_violation',
  '25': 'invalid_transaction_state',
  '40': 'transaction_rollback',
  '42': 'syntax_error_or_access_rule_violation',
  '53': 'insufficient_resources',
  '54': 'program_limit_exceeded',
  '55': 'object_not_in_prerequisite_state',
  '57': 'operator_intervention',
  '58': 'system_error',
  XX: 'internal_error',
};

const SQLSTATE = /^[0-9A-Z]{5}$/;
const STATEMENT =
  /^\s*(select|insert|update|delete|with|begin|commit|rollback|savepoint|release|set|lock|create|alter|drop)\b/i;

interface PgErrorFields {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  severity?: unknown;
  table?: unknown;
  column?: unknown;
  constraint?: unknown;
}

const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

export function describeError(error: unknown): ErrorDescription {
  if (typeof error !== 'object' || error === null) return { name: typeof error, message: String(error) };
  const e = error as PgErrorFields;
  const name = text(e.name) ?? 'Error';
  const code = text(e.code);
  // node-postgres's DatabaseError (and MikroORM's copy of it): a server error, with a severity
  if (code && SQLSTATE.test(code) && text(e.severity)) {
    const condition = CONDITIONS[code] ?? CLASSES[code.slice(0, 2)] ?? 'database_error';
    const fields = { table: text(e.table), column: text(e.column), constraint: text(e.constraint) };
    const known = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    return { name, message: `${condition} (SQLSTATE ${code})`, code, ...known };
  }
  return { name, message: withoutStatement(String(e.message ?? '')) };
}

/** The message of `error` that may be logged. */
export function safeMessage(error: unknown): string {
  return describeError(error).message;
}

/** The stack of `error` with its first line (the message) replaced by the one that may be logged. */
export function safeStack(error: unknown): string | undefined {
  if (!(error instanceof Error) || !error.stack) return undefined;
  const frames = error.stack.split('\n').filter((line) => /^\s+at /.test(line));
  const { name, message } = describeError(error);
  return [`${name}: ${message}`, ...frames].join('\n');
}

function withoutStatement(message: string): string {
  if (!STATEMENT.test(message)) return message;
  const end = message.lastIndexOf(' - ');
  return end === -1 ? 'a database statement failed' : message.slice(end + 3);
}
