import type { Duplex } from 'node:stream';
import { answerClientErrors } from '../../src/api/client-errors';
import { createLogger } from '../../src/core/logging';
import { MemoryTransport } from '../support/app';

function fakeSocket(overrides: Record<string, unknown> = {}) {
  const socket = {
    writable: true,
    remoteAddress: '192.0.2.7',
    end: jest.fn(),
    destroy: jest.fn(),
    once: jest.fn(),
    _httpMessage: null,
    ...overrides,
  };
  return socket as typeof socket & Duplex;
}

const parserError = (code: string, rawPacket?: Buffer) =>
  Object.assign(new Error(`Parse Error: ${code}`), { code, ...(rawPacket ? { rawPacket } : {}) });

function setup() {
  const logs = new MemoryTransport();
  const answered = jest.fn();
  return { logs, answered, handle: answerClientErrors(createLogger('debug', [logs]), answered) };
}

describe('answerClientErrors', () => {
  it('answers a parser error once, as problem+json, and closes the connection', () => {
    const { handle, answered, logs } = setup();
    const socket = fakeSocket();
    const error = parserError('HPE_INVALID_HEADER_TOKEN', Buffer.from('PATCH /v1/users/me HTTP/1.1\r\nX: \x01\r\n'));
    handle(error, socket);
    handle(error, socket); // the parser reports each further chunk again
    expect(socket.end).toHaveBeenCalledTimes(1);
    const written = String(socket.end.mock.calls[0]?.[0]);
    expect(written).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(written).toMatch(/\r\nConnection: close\r\n/);
    expect(JSON.parse(written.split('\r\n\r\n')[1]!)).toMatchObject({ status: 400, instance: '/v1/users/me' });
    expect(answered).toHaveBeenCalledWith(400);
    expect(logs.entries).toEqual([
      expect.objectContaining({ method: 'PATCH', path: '/v1/users/me', remote_address: '192.0.2.7' }),
    ]);
  });

  it('answers a request that did not arrive in time with 408', () => {
    const { handle } = setup();
    const socket = fakeSocket();
    handle(Object.assign(new Error('timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), socket);
    expect(String(socket.end.mock.calls[0]?.[0])).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it.each([
    ['the socket is not writable', fakeSocket({ writable: false }), parserError('HPE_INVALID_METHOD')],
    [
      'a response on it has begun',
      fakeSocket({ _httpMessage: { headersSent: true } }),
      parserError('HPE_INVALID_METHOD'),
    ],
    ['the connection was reset', fakeSocket(), Object.assign(new Error('reset'), { code: 'ECONNRESET' })],
  ])('writes nothing and destroys the socket when %s', (_why, socket, error) => {
    const { handle, answered, logs } = setup();
    handle(error, socket);
    expect(socket.end).not.toHaveBeenCalled();
    expect(socket.destroy).toHaveBeenCalled();
    expect(answered).not.toHaveBeenCalled();
    expect(logs.entries).toEqual([]);
  });
});
