import { describeError, safeMessage, safeStack } from '../../src/core/error-description';
import { fatalLine } from '../../src/core/startup';

const statement = `insert into "users" ("username", "password_hash") values ('ada', '$argon2id$v=19$secret')`;

/** As node-postgres reports a server error, after knex and MikroORM have added to its message. */
function serverError(code: string, message: string, fields: Record<string, string> = {}): Error {
  return Object.assign(new Error(`${statement} - ${message}\n - detail: Key (username)=(ada) already exists.`), {
    name: 'UniqueConstraintViolationException',
    severity: 'ERROR',
    code,
    ...fields,
  });
}

describe('describeError', () => {
  it('tells a PostgreSQL error by its SQLSTATE, condition, table and constraint, never its text', () => {
    const error = serverError('23505', 'duplicate key value violates unique constraint "users_username_key"', {
      table: 'users',
      constraint: 'users_username_key',
    });
    expect(describeError(error)).toEqual({
      name: 'UniqueConstraintViolationException',
      message: 'unique_violation (SQLSTATE 23505)',
      code: '23505',
      table: 'users',
      constraint: 'users_username_key',
    });
    expect(describeError(serverError('22023', 'whatever')).message).toBe('data_exception (SQLSTATE 22023)');
  });

  it('keeps what follows the statement of any other error that begins with one', () => {
    expect(safeMessage(new Error(`${statement} - Query read timeout`))).toBe('Query read timeout');
    expect(safeMessage(new Error('connect ECONNREFUSED 127.0.0.1:5432'))).toBe('connect ECONNREFUSED 127.0.0.1:5432');
    expect(safeMessage('a thrown string')).toBe('a thrown string');
  });

  it('rewrites the first line of a stack, keeping its frames', () => {
    const stack = safeStack(serverError('57014', 'canceling statement due to statement timeout'))!;
    expect(stack).toMatch(/^UniqueConstraintViolationException: query_canceled \(SQLSTATE 57014\)\n\s+at /);
    expect(stack).not.toMatch(/ada|argon2|insert/);
  });

  it('leaves no statement in the line that says why the process could not start', () => {
    const line = JSON.stringify(fatalLine(serverError('23505', 'duplicate key')));
    expect(line).toContain('cannot start: unique_violation (SQLSTATE 23505)');
    expect(line).not.toMatch(/ada|argon2|insert/);
  });
});
