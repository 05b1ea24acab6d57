/**
 * HEAD on every GET operation of the spec: the status and headers of GET,
 * no body (RFC 9110 §9.3.2); a 304 where the operation offers conditional
 * GETs. The operations come from the spec, so a new GET operation is covered
 * as soon as it exists (the coverage matrix has a `(HEAD)` row for each).
 */
import request from 'supertest';
import { operations, type OperationMeta } from '../../generated/operations';
import { startTestApp, type TestApp } from '../support/app';
import { newAdmin, type LoggedIn } from '../support/auth';

let t: TestApp;
let admin: LoggedIn;
beforeAll(async () => {
  t = await startTestApp();
  admin = await newAdmin(t);
});
afterAll(() => t.close());

/** A value for each path parameter of a GET operation; a new one fails below until it has one. */
const pathValues = (): Record<string, string> => ({ user_id: admin.user.id });

/**
 * Headers that differ between two responses whatever the method: the date, the
 * request id, the rate-limit count, and the length of bodies that change from
 * one request to the next (metrics, user listings; the length itself is compared below).
 */
const PER_RESPONSE = new Set(['date', 'x-request-id', 'ratelimit-remaining', 'ratelimit-reset', 'content-length']);
const comparable = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !PER_RESPONSE.has(name)));

const gets: OperationMeta[] = Object.values(operations).filter((op) => op.method === 'get');

it('the spec has GET operations to check', () => {
  expect(gets.length).toBeGreaterThan(5);
});

describe.each(gets.map((op) => [op.operationId, op] as const))('HEAD of %s', (_id, op) => {
  const path = () =>
    op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      const value = pathValues()[name];
      if (value === undefined) throw new Error(`no value for {${name}} in pathValues`);
      return value;
    });
  const auth = (): Record<string, string> => (op.secured ? { authorization: admin.bearer } : {});

  it('answers with the status and headers of GET, and no body', async () => {
    const get = await request(t.app).get(path()).set(auth());
    const head = await request(t.app).head(path()).set(auth());
    expect(get.status).toBe(200);
    expect(head.status).toBe(get.status);
    expect(comparable(head.headers)).toEqual(comparable(get.headers));
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(head.text ?? '').toBe('');
  });

  if (304 in op.responses) {
    it('answers 304 to an If-None-Match that matches, as GET does', async () => {
      const { etag } = (await request(t.app).head(path()).set(auth())).headers;
      expect(etag).toBeDefined();
      const again = await request(t.app).head(path()).set(auth()).set('If-None-Match', etag!);
      expect(again.status).toBe(304);
      expect(again.text ?? '').toBe('');
    });
  }
});
