import express from 'express';
import request from 'supertest';
import { AppError, ConflictError, NotImplementedError, STATUS } from '../../src/core/errors';
import { isUnavailable, problemHandler, toAppError } from '../../src/api/middleware/problem';
import { createLogger } from '../../src/core/logging';
import { MemoryTransport } from '../support/app';
import { CircuitOpenError } from '../../src/core/breaker';

describe('toAppError', () => {
  it('keeps domain errors as they are', () => {
    const error = new ConflictError('email', 'taken');
    expect(toAppError(error)).toBe(error);
  });

  it('maps body-parser failures', () => {
    expect(toAppError(Object.assign(new SyntaxError('x'), { status: 400, type: 'entity.parse.failed' })).code).toBe(
      'bad_request',
    );
    expect(toAppError({ status: 413, type: 'entity.too.large', expose: true }).code).toBe('payload_too_large');
    expect(toAppError({ status: 415, type: 'charset.unsupported', expose: true }).code).toBe('unsupported_media_type');
  });

  it('maps validator errors, keeping every field error and the Allow header', () => {
    const validation = toAppError({
      status: 400,
      errors: [
        { path: '/body/a', message: 'bad a' },
        { path: '/body/b', message: 'bad b' },
      ],
    });
    expect(validation.code).toBe('validation_failed');
    expect(validation.options.errors).toEqual([
      { path: '/body/a', message: 'bad a' },
      { path: '/body/b', message: 'bad b' },
    ]);
    const notAllowed = toAppError({ status: 405, errors: [], headers: { Allow: 'GET' } });
    expect(notAllowed.code).toBe('method_not_allowed');
    expect(notAllowed.options.headers).toEqual({ Allow: 'GET' });
  });

  it.each([
    'connect ECONNREFUSED 10.0.0.5:5432',
    'Connection terminated unexpectedly',
    'Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?',
    'select "s0"."id" from "sessions" as "s0" limit 1 - Query read timeout',
    'timeout expired',
  ])('counts "%s", however MikroORM wrapped it, as the database being unavailable', (message) => {
    const wrapped = Object.assign(new Error(message), { name: 'DriverException' });
    expect(isUnavailable(wrapped)).toBe(true);
    expect(toAppError(wrapped).options.headers).toEqual({ 'Retry-After': '2' });
  });

  it('does not count other database errors, nor a statement merely mentioning a timeout', () => {
    expect(isUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isUnavailable(new Error("select 'timeout expired' - syntax error"))).toBe(false);
  });

  it('answers an open circuit with 503 and Retry-After until its next probe, also once MikroORM wrapped it', () => {
    const open = new CircuitOpenError(4);
    // As DriverException does: every own property copied, then its own name.
    const wrapped = Object.assign(new Error(open.message), { ...open, name: 'DriverException' });
    for (const error of [open, wrapped]) {
      const mapped = toAppError(error);
      expect(mapped.code).toBe('unavailable');
      expect(mapped.options.headers).toEqual({ 'Retry-After': '4' });
    }
  });

  it('turns anything else into a generic internal error that keeps the cause for the log', () => {
    const boom = new Error('password=hunter2 at db.internal:5432');
    const error = toAppError(boom);
    expect(error.code).toBe('internal');
    expect(error.message).not.toContain('hunter2');
    expect(error.options.cause).toBe(boom);
    expect(toAppError('a string').code).toBe('internal');
    expect(toAppError(null).code).toBe('internal');
    expect(toAppError({ status: 500, errors: [{ path: '/response', message: 'x' }] }).code).toBe('internal');
  });

  it('does not trust a status on an error that is not meant to be shown', () => {
    expect(toAppError({ status: 404 }).code).toBe('internal');
  });

  it('has a 4xx or 5xx status and a title for every code', () => {
    for (const [code, { status, title }] of Object.entries(STATUS)) {
      expect({ code, ok: status >= 400 && status <= 599 && title.length > 0 }).toEqual({ code, ok: true });
    }
    expect(new AppError('conflict', 'x').name).toBe('AppError');
  });
});

describe('problemHandler', () => {
  it('logs a generated stub`s 501 as a warning naming the operation, without a stack trace', async () => {
    const logs = new MemoryTransport();
    const app = express();
    app.get('/stub', () => {
      throw new NotImplementedError('getStub');
    });
    app.get('/bug', () => {
      throw new Error('a bug');
    });
    app.use(problemHandler(createLogger('debug', [logs])));

    const res = await request(app).get('/stub');
    expect(res.status).toBe(501);
    expect(res.body).toMatchObject({ type: 'urn:gatehouse:problem:not_implemented', operation_id: 'getStub' });
    expect(logs.entries).toEqual([
      expect.objectContaining({ level: 'warn', message: 'request failed: not implemented', operation_id: 'getStub' }),
    ]);
    expect(JSON.stringify(logs.entries)).not.toMatch(/stack|at /);

    expect((await request(app).get('/bug')).status).toBe(500);
    expect(logs.entries[1]).toMatchObject({ level: 'error', message: 'request failed' });
  });
});
