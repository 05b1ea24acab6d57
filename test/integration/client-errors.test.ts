/**
 * Requests that Node's HTTP parser refuses before the app sees them (a control
 * character in a header, a request line and headers over 16 KiB, a line that
 * is not HTTP) get the app's problem+json, with a request id, on a server as
 * `listen` starts it. Sent over raw sockets: no HTTP client sends such bytes.
 */
import { connect } from 'node:net';
import request from 'supertest';
import { CONFIG, LIFECYCLE, LOGGER } from '../../src/container.tokens';
import type { Config } from '../../src/core/config';
import type { Lifecycle } from '../../src/core/lifecycle';
import type { Logger } from '../../src/core/logging';
import { Metrics } from '../../src/core/metrics';
import { listen, type Listening } from '../../src/server';
import { startTestApp, type TestApp } from '../support/app';

let t: TestApp;
let listening: Listening;
let port: number;
beforeAll(async () => {
  t = await startTestApp();
  const config = { ...t.container.resolve<Config>(CONFIG), host: '127.0.0.1', port: 0 };
  listening = await listen(
    t.app,
    config,
    t.container.resolve<Lifecycle>(LIFECYCLE),
    t.container.resolve<Logger>(LOGGER),
    t.container.resolve(Metrics),
  );
  port = (listening.server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((ok) => listening.server.close(ok));
  await t.close();
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes as they are and reads the answer until the server closes the connection. */
function raw(bytes: string): Promise<RawAnswer> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.setTimeout(5_000, () => socket.destroy(new Error('the server did not close the connection')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', fail);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      ok({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
  });
}

function expectParserProblem(answer: RawAnswer, status: number, code: string): Record<string, unknown> {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toBe('application/problem+json');
  expect(answer.headers.connection).toBe('close');
  expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
  const problem = JSON.parse(answer.body) as Record<string, unknown>;
  expect(problem).toEqual(
    expect.objectContaining({
      type: `urn:gatehouse:problem:${code}`,
      title: expect.any(String),
      status,
      detail: expect.any(String),
      instance: expect.any(String),
      request_id: answer.headers['x-request-id'],
    }),
  );
  expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  return problem;
}

const logLine = (requestId: unknown) =>
  t.logs.entries.find((e) => e.request_id === requestId && e.message !== 'request');

describe('requests the HTTP parser refuses', () => {
  it('a control character in a header: 400 problem, logged without the bytes', async () => {
    const answer = await raw('GET /healthz HTTP/1.1\r\nHost: gatehouse\r\nX-Bad: a\x01secret\r\n\r\n');
    const problem = expectParserProblem(answer, 400, 'bad_request');
    expect(problem.instance).toBe('/healthz');
    const line = logLine(problem.request_id);
    expect(line).toEqual(
      expect.objectContaining({ level: 'info', status: 400, code: 'HPE_INVALID_HEADER_TOKEN', path: '/healthz' }),
    );
    expect(JSON.stringify(line)).not.toMatch(/secret|\\u0001/);
  });

  it('headers over 16 KiB: 431 problem', async () => {
    const big = 'a'.repeat(20_000);
    const answer = await raw(`GET /healthz HTTP/1.1\r\nHost: gatehouse\r\nX-Big: ${big}\r\n\r\n`);
    const problem = expectParserProblem(answer, 431, 'header_fields_too_large');
    // The path is read from the chunk the parser failed on, which holds the request line unless TCP split it.
    expect(['/healthz', '']).toContain(problem.instance);
    expect(JSON.stringify(logLine(problem.request_id))).not.toContain('aaaa');
  });

  it('a URL over 16 KiB: 431 problem, the path without its query as the instance', async () => {
    const answer = await raw(`GET /v1/users?q=${'b'.repeat(20_000)} HTTP/1.1\r\nHost: gatehouse\r\n\r\n`);
    expect(['/v1/users', '']).toContain(expectParserProblem(answer, 431, 'header_fields_too_large').instance);
  });

  it('a request line that is not HTTP: 400 problem, with no path to name', async () => {
    const answer = await raw('HELLO THERE\r\n\r\n');
    expect(expectParserProblem(answer, 400, 'bad_request').instance).toBe('');
  });

  it('counts each refusal by status in the metrics', async () => {
    await raw('GET / HTTP/1.1\r\nX-Bad: \x7f\r\n\r\n');
    const text = (await request(t.app).get('/metrics')).text;
    expect(text).toMatch(/gatehouse_http_client_errors_total\{status="400"\} [1-9]/);
    expect(text).toMatch(/gatehouse_http_client_errors_total\{status="431"\} [1-9]/);
  });

  it('leaves a well-formed request on the same server alone', async () => {
    const answer = await raw('GET /healthz HTTP/1.1\r\nHost: gatehouse\r\nConnection: close\r\n\r\n');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: 'ok' });
  });
});
