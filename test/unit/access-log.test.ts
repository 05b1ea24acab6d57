import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import Transport from 'winston-transport';
import { accessLog } from '../../src/api/middleware/access-log';
import { createLogger } from '../../src/core/logging';

class Lines extends Transport {
  readonly entries: Record<string, unknown>[] = [];
  override log(info: Record<string, unknown>, next: () => void): void {
    this.entries.push(info);
    next();
  }
}

function exchange() {
  const req = { id: 'r-1', method: 'GET', originalUrl: '/v1/users?q=secret', ip: '203.0.113.9', get: () => 'ua' };
  const res = Object.assign(new EventEmitter(), { locals: {}, statusCode: 200, writableFinished: true });
  return { req: req as unknown as Request, res: res as unknown as Response & EventEmitter };
}

describe('accessLog', () => {
  it('writes one line per request once it is done, without the query string', () => {
    const lines = new Lines();
    const { req, res } = exchange();
    const next = jest.fn();
    accessLog(createLogger('info', [lines]))(req, res, next);
    expect(next).toHaveBeenCalled();
    res.emit('finish');
    res.emit('close');
    expect(lines.entries).toEqual([expect.objectContaining({ message: 'request', path: '/v1/users', status: 200 })]);
  });

  it('does no work for a request when the level is above info: nothing listens, nothing is built', () => {
    const lines = new Lines();
    const { req, res } = exchange();
    const next = jest.fn();
    accessLog(createLogger('warn', [lines]))(req, res, next);
    expect(next).toHaveBeenCalled();
    expect(res.listenerCount('finish') + res.listenerCount('close')).toBe(0);
    res.emit('finish');
    expect(lines.entries).toEqual([]);
  });
});
