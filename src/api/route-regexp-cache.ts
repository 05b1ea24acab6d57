import type { pathToRegexp } from 'path-to-regexp';

type PathToRegexp = typeof pathToRegexp;

/** Far more than the spec's routes; a bound all the same, since any caller of the module shares it. */
const MAX_ENTRIES = 1_000;

/**
 * express-openapi-validator 5.6 finds a request's operation by compiling
 * every route of the spec with path-to-regexp, on every request (its
 * `lookupRoute`): about a third of what a request to `/healthz` cost. The
 * compiled form depends only on the route and the options, and the regexps
 * are not global (exec keeps no state), so the module's `pathToRegexp` is
 * memoised once at start-up. The validator looks the function up on the
 * module at each call, so it sees the memoised one; nothing else changes.
 */
export function cacheRouteRegexps(): void {
  // The module's own exports object, which the validator reads from: an ES namespace import
  // (as tsx and other loaders build it) has only getters and could not be changed.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = require('path-to-regexp') as { pathToRegexp: PathToRegexp & { memoised?: true } };
  const compile = exported.pathToRegexp;
  if (compile.memoised) return;
  const cache = new Map<string, ReturnType<PathToRegexp>>();
  const memoised: PathToRegexp = (path, options) => {
    const flags = typeof path === 'string' ? flagsOf(options) : undefined;
    if (flags === undefined) return compile(path, options);
    const key = flags + path;
    let compiled = cache.get(key);
    if (!compiled) {
      compiled = compile(path, options);
      if (cache.size < MAX_ENTRIES) cache.set(key, compiled);
    }
    return compiled;
  };
  exported.pathToRegexp = Object.assign(memoised, { memoised: true as const });
}

/**
 * The validator passes only `sensitive` and `strict`, as a new object each
 * time; those make the key. Any other option is compiled as asked, uncached.
 */
function flagsOf(options: Parameters<PathToRegexp>[1]): string | undefined {
  const given = (options ?? {}) as Record<string, unknown>;
  let flags = '';
  for (const name in given) {
    if (name === 'sensitive') flags += given[name] ? 'S' : 's';
    else if (name === 'strict') flags += given[name] ? 'T' : 't';
    else return undefined;
  }
  return `${flags}:`;
}
