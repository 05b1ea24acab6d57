import { tracingChannel } from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { Request, Response } from 'express';
import Transport from 'winston-transport';
import { traceRequests } from '../../src/api/middleware/tracing';
import type { TracingSettings } from '../../src/core/config';
import { createLogger } from '../../src/core/logging';
import { OpenTelemetryTracing } from '../../src/core/opentelemetry';
import { scope } from '../../src/core/scope';
import { traced, type RequestTrace, type Tracing } from '../../src/core/tracing';
import { describeQuery } from '../../src/db/traced';

describe('describeQuery', () => {
  it('names a statement by its operation and tables, and keeps its text with the placeholders', () => {
    const sql = 'select u.id from sessions s join users u on u.id = s.user_id where s.id = $1 and s.expires_at > $2';
    expect(describeQuery(sql)).toEqual({
      name: 'SELECT sessions users',
      attributes: {
        'db.system.name': 'postgresql',
        'db.operation.name': 'SELECT',
        'db.query.summary': 'SELECT sessions users',
        'db.query.text': sql,
      },
    });
    expect(describeQuery('insert into "refresh_tokens" ("id", "token_hash") values (?, ?)')).toMatchObject({
      name: 'INSERT refresh_tokens',
      attributes: { 'db.collection.name': 'refresh_tokens' },
    });
    expect(describeQuery('update "users" set "email" = ? where "id" = ?').name).toBe('UPDATE users');
    expect(describeQuery('delete from "sessions" where "id" in (?, ?)').name).toBe('DELETE sessions');
    expect(describeQuery('select pg_advisory_xact_lock(?)').name).toBe('SELECT');
  });
});

class Lines extends Transport {
  readonly entries: Record<string, unknown>[] = [];
  override log(info: Record<string, unknown>, next: () => void): void {
    this.entries.push(info);
    next();
  }
}

const fields = { trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', trace_flags: '01' };

function fakeTrace(): jest.Mocked<RequestTrace> {
  return { logFields: fields, startCall: jest.fn(), end: jest.fn() };
}

describe('the request span', () => {
  function exchange(operationId?: string) {
    const req = { method: 'GET', headers: {} } as unknown as Request;
    const res = Object.assign(new EventEmitter(), {
      locals: operationId ? { operationId } : {},
      statusCode: 404,
      headersSent: true,
      writableFinished: true,
    });
    return { req, res: res as unknown as Response & EventEmitter };
  }

  it('is opened in the request scope and ended with the operation, its route and the status', () => {
    const trace = fakeTrace();
    const tracing = { startRequest: jest.fn((_req: IncomingMessage) => trace), shutdown: jest.fn() } satisfies Tracing;
    const { req, res } = exchange('getUser');
    const store = { requestId: 'r-1' };
    scope.run(store, () => traceRequests(tracing)(req, res, () => undefined));
    expect(tracing.startRequest).toHaveBeenCalledWith(req);
    expect(store).toEqual({ requestId: 'r-1', trace });
    expect(trace.end).not.toHaveBeenCalled();
    res.emit('close');
    expect(trace.end).toHaveBeenCalledWith({
      operationId: 'getUser',
      route: '/v1/users/{user_id}',
      status: 404,
      completed: true,
    });
  });

  it('is named by no operation when the request matched none', () => {
    const trace = fakeTrace();
    const { req, res } = exchange();
    scope.run({}, () => traceRequests({ startRequest: () => trace, shutdown: jest.fn() })(req, res, () => undefined));
    res.emit('close');
    expect(trace.end).toHaveBeenCalledWith({ operationId: undefined, route: undefined, status: 404, completed: true });
  });

  it('puts the trace on every line logged inside the request, and only there', () => {
    const lines = new Lines();
    const logger = createLogger('info', [lines]);
    scope.run({ requestId: 'r-1', trace: fakeTrace() }, () => logger.info('inside'));
    scope.run({ requestId: 'r-2' }, () => logger.info('untraced'));
    logger.info('outside');
    expect(lines.entries).toEqual([
      expect.objectContaining({ message: 'inside', request_id: 'r-1', ...fields }),
      expect.not.objectContaining({ trace_id: expect.anything() }),
      expect.not.objectContaining({ trace_id: expect.anything() }),
    ]);
  });

  it('gets a client span around a call, marked failed when the call fails; none outside a request', async () => {
    const trace = fakeTrace();
    const end = jest.fn();
    trace.startCall.mockReturnValue({ end });
    const call = { name: 'SELECT users', attributes: { 'db.system.name': 'postgresql' } };
    await expect(
      traced(
        () => call,
        async () => 'rows',
      ),
    ).resolves.toBe('rows');
    expect(trace.startCall).not.toHaveBeenCalled();

    await scope.run({ trace }, () =>
      traced(
        () => call,
        async () => 'rows',
      ),
    );
    expect(trace.startCall).toHaveBeenCalledWith('SELECT users', { 'db.system.name': 'postgresql' });
    expect(end).toHaveBeenLastCalledWith();
    const failure = Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
    await expect(
      scope.run({ trace }, () =>
        traced(
          () => call,
          () => Promise.reject(failure),
        ),
      ),
    ).rejects.toBe(failure);
    expect(end).toHaveBeenLastCalledWith(failure);
  });
});

describe('OpenTelemetryTracing', () => {
  const settings: TracingSettings = {
    url: 'http://127.0.0.1:9/v1/traces',
    protocol: 'http/json',
    serviceName: undefined,
    sampler: 'parentbased_always_on',
    ratio: 1,
  };
  const logger = createLogger('silent');
  const request = (headers: Record<string, string> = {}) =>
    ({ method: 'GET', url: '/v1/users/me?x=1', headers, httpVersion: '1.1', socket: {} }) as unknown as IncomingMessage;
  const caller = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
  let exported: InMemorySpanExporter;
  let tracing: OpenTelemetryTracing;

  /** Tracing whose ended spans are kept in `exported`, as they would be sent. */
  const withSampler = (sampler: TracingSettings['sampler']) => {
    exported = new InMemorySpanExporter();
    tracing = new OpenTelemetryTracing(
      { ...settings, sampler },
      logger,
      new SimpleSpanProcessor({ exporter: exported }),
    );
  };
  beforeEach(() => withSampler('parentbased_always_on'));
  afterEach(() => tracing.shutdown());

  const span = (name: string) => {
    const found = exported.getFinishedSpans().find((s) => s.name === name);
    if (!found)
      throw new Error(
        `no span ${name} in ${exported
          .getFinishedSpans()
          .map((s) => s.name)
          .join(', ')}`,
      );
    return found;
  };

  it("continues a valid traceparent's trace, and starts a new one otherwise", () => {
    const continued = tracing.startRequest(request(caller));
    expect(continued.logFields).toEqual({
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
      trace_flags: '01',
    });
    continued.end({ operationId: 'getMe', route: '/v1/users/me', status: 200, completed: true });
    expect(span('getMe').parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    for (const traceparent of ['00-00000000000000000000000000000000-b7ad6b7169203331-01', 'garbage']) {
      const fresh = tracing.startRequest(request({ traceparent })).logFields;
      expect(fresh.trace_id).toMatch(/^(?!0+$)[0-9a-f]{32}$/);
    }
  });

  it('names the request span by its operation, with the route and status; only a 5xx or a cut response fails it', () => {
    tracing
      .startRequest(request())
      .end({ operationId: 'getUser', route: '/v1/users/{user_id}', status: 404, completed: true });
    expect(span('getUser').attributes).toEqual({
      'http.request.method': 'GET',
      'url.path': '/v1/users/me',
      'url.scheme': 'http',
      'network.protocol.version': '1.1',
      'http.route': '/v1/users/{user_id}',
      'http.response.status_code': 404,
    });
    expect(span('getUser').status.code).toBe(SpanStatusCode.UNSET);
    tracing.startRequest(request()).end({ operationId: 'getMe', route: '/v1/users/me', status: 503, completed: true });
    expect(span('getMe')).toMatchObject({
      status: { code: SpanStatusCode.ERROR },
      attributes: { 'error.type': '503' },
    });
    tracing
      .startRequest(request())
      .end({ operationId: undefined, route: undefined, status: undefined, completed: false });
    expect(span('GET')).toMatchObject({
      status: { code: SpanStatusCode.ERROR },
      attributes: { 'error.type': 'aborted' },
    });
    expect(span('GET').attributes).not.toHaveProperty('http.route');
  });

  it("makes client spans children of the request's, marking a failure by its code, never its message", () => {
    const trace = tracing.startRequest(request(caller));
    trace.startCall('SELECT users', { 'db.system.name': 'postgresql' }).end();
    const failure = Object.assign(new Error('duplicate key value (ada@example.com)'), { code: '23505' });
    trace.startCall('INSERT users', { 'db.system.name': 'postgresql' }).end(failure);
    trace.end({ operationId: 'createUser', route: '/v1/users', status: 409, completed: true });
    const { spanId } = span('createUser').spanContext();
    expect(span('SELECT users')).toMatchObject({ kind: SpanKind.CLIENT, parentSpanContext: { spanId } });
    expect(span('INSERT users')).toMatchObject({
      status: { code: SpanStatusCode.ERROR },
      attributes: { 'error.type': '23505' },
    });
    const { attributes, status, events } = span('INSERT users');
    expect(JSON.stringify({ attributes, status, events })).not.toContain('ada@example.com');
  });

  it("takes a Redis span from ioredis's diagnostics channel inside a request: the command, never its arguments", async () => {
    const commands = tracingChannel<unknown, object>('ioredis:command');
    const command = (args: string[]) => ({
      command: 'evalsha',
      args,
      database: 0,
      serverAddress: '127.0.0.1',
      serverPort: 6379,
    });
    await commands.tracePromise(async () => 'outside any request', command(['outside']));
    const trace = tracing.startRequest(request());
    await scope.run({ trace }, () =>
      commands.tracePromise(async () => 1, command(['sha', '1', 'gatehouse:ip:203.0.113.9'])),
    );
    expect(exported.getFinishedSpans().map((s) => s.name)).toEqual(['EVALSHA']);
    expect(span('EVALSHA').attributes).toEqual({
      'db.system.name': 'redis',
      'db.operation.name': 'EVALSHA',
      'db.namespace': '0',
      'server.address': '127.0.0.1',
      'server.port': 6379,
    });
    await tracing.shutdown();
    expect(commands.start.hasSubscribers).toBe(false);
  });

  it('samples nothing with always_off, yet still carries the caller trace id into the log fields', async () => {
    await tracing.shutdown();
    withSampler('always_off');
    const trace = tracing.startRequest(request(caller));
    expect(trace.logFields).toMatchObject({ trace_id: '0af7651916cd43dd8448eb211c80319c', trace_flags: '00' });
    trace.end({ operationId: 'getMe', route: '/v1/users/me', status: 200, completed: true });
    expect(exported.getFinishedSpans()).toEqual([]);
  });
});
