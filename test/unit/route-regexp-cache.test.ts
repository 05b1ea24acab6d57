import { cacheRouteRegexps } from '../../src/api/route-regexp-cache';

// The module's exports object, as express-openapi-validator reads it at each request.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const routes = require('path-to-regexp') as typeof import('path-to-regexp');

describe('cacheRouteRegexps', () => {
  beforeAll(() => cacheRouteRegexps());

  it('compiles a route once for the options the validator passes, and matches as before', () => {
    const first = routes.pathToRegexp('/v1/users/:user_id', { sensitive: false, strict: false } as never);
    const again = routes.pathToRegexp('/v1/users/:user_id', { sensitive: false, strict: false } as never);
    expect(again).toBe(first);
    expect(first.regexp.exec('/v1/users/42')?.[1]).toBe('42');
    expect(first.keys.map((k) => k.name)).toEqual(['user_id']);
  });

  it('keeps routes and options apart', () => {
    const insensitive = routes.pathToRegexp('/v1/Users', { sensitive: false } as never);
    const sensitive = routes.pathToRegexp('/v1/Users', { sensitive: true } as never);
    expect(sensitive).not.toBe(insensitive);
    expect(insensitive.regexp.test('/v1/users')).toBe(true);
    expect(sensitive.regexp.test('/v1/users')).toBe(false);
    expect(routes.pathToRegexp('/v1/other', { sensitive: false } as never)).not.toBe(insensitive);
  });

  it('compiles anew, uncached, for any other option', () => {
    const open = routes.pathToRegexp('/v1/users', { end: false });
    expect(routes.pathToRegexp('/v1/users', { end: false })).not.toBe(open);
    expect(open.regexp.test('/v1/users/42')).toBe(true);
  });
});
