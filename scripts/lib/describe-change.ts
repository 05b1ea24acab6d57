/**
 * One change between two OpenAPI documents, as a reader wants it: the
 * operation, then what changed where, e.g.
 * `GET /v1/users/me: removed response 200 body .email`.
 */
import type { Diff } from 'api-smart-diff';
import type { OpenApiDocument } from './breaking';

export interface Change {
  /** `GET /v1/users`, or the part of the document outside `paths`. */
  where: string;
  /** What changed, e.g. `removed response 200 body .email`. */
  what: string;
}

export const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
type Path = Diff['path'];

export function describeChange(diff: Diff, base: OpenApiDocument, head: OpenApiDocument): Change {
  const { path, action, before, after } = diff;
  const verb = { add: 'added', remove: 'removed', replace: 'changed', rename: 'renamed' }[action];
  if (path[0] !== 'paths') {
    const depth = path[0] === 'components' ? 3 : 1;
    return { where: path.slice(0, depth).join('.'), what: `${verb} ${plain(path.slice(depth))}${values(diff)}`.trim() };
  }
  if (path.length === 1) return { where: 'paths', what: `${verb} path ${String(before)} -> ${String(after)}` };
  const url = String(path[1]);
  const method = METHODS.has(String(path[2])) ? String(path[2]) : undefined;
  const rest = path.slice(method ? 3 : 2);
  const where = method ? `${method.toUpperCase()} ${url}` : url;
  if (rest.length === 0) return { where, what: `${verb} ${method ? 'operation' : 'path'}` };
  const owner = (doc: OpenApiDocument) => {
    const item = doc.paths?.[url];
    return (method ? item?.[method] : item) as Record<string, unknown> | undefined;
  };
  return { where, what: `${verb} ${locate(rest, owner(head) ?? owner(base))}${values(diff)}` };
}

/** `response 200 body .items[].email`, `query parameter limit maximum`, ... */
function locate(rest: Path, owner: Record<string, unknown> | undefined): string {
  const [first, second] = rest;
  if (first === 'responses' && second !== undefined) {
    return `response ${String(second)}${inMessage(rest.slice(2))}`;
  }
  if (first === 'requestBody') return `request${second === 'content' ? '' : ' body'}${inMessage(rest.slice(1))}`;
  if (first === 'parameters' && typeof second === 'number') {
    const parameter = (owner?.parameters as { name?: string; in?: string }[] | undefined)?.[second];
    const name = parameter
      ? `${parameter.in ?? ''} parameter ${parameter.name ?? second}`.trim()
      : `parameter ${second}`;
    return name + inSchema(rest.slice(rest[2] === 'schema' ? 3 : 2));
  }
  return plain(rest);
}

/** A path without the array indexes, which say nothing to a reader. */
const plain = (rest: Path): string => rest.filter((s) => typeof s !== 'number').join('/');

/** The part of a request body or response: its headers, media types and body schema. */
function inMessage(rest: Path): string {
  const [first, second, third] = rest;
  if (first === 'content' && second !== undefined) {
    if (third === 'schema') return ` body${inSchema(rest.slice(3))}`;
    return rest.length === 2 ? ` media type ${String(second)}` : ` ${String(second)} ${plain(rest.slice(2))}`;
  }
  if (first === 'headers' && second !== undefined) return ` header ${String(second)} ${plain(rest.slice(2))}`.trimEnd();
  return rest.length ? ` ${plain(rest)}` : '';
}

/** A path inside a schema, as a field path (`.items[].email`) and the keyword that changed. */
function inSchema(rest: Path): string {
  let field = '';
  for (let i = 0; i < rest.length; i++) {
    const [segment, next] = [rest[i], rest[i + 1]];
    if (segment === 'properties' && next !== undefined) {
      field += `.${String(next)}`;
      i++;
    } else if (segment === 'items') {
      field += '[]';
    } else if ((segment === 'allOf' || segment === 'oneOf' || segment === 'anyOf') && typeof next === 'number') {
      field += ` ${segment}[${next}]`;
      i++;
    } else {
      return `${field ? ` ${field}` : ''} ${plain(rest.slice(i))}`;
    }
  }
  return field ? ` ${field}` : '';
}

/** `: 100 -> 50` for a changed value, `: "email"` for an added or removed short one. */
function values({ action, before, after }: Diff): string {
  const show = (v: unknown) => {
    const text = JSON.stringify(v);
    return text !== undefined && text.length <= 60 && (typeof v !== 'object' || v === null || Array.isArray(v))
      ? text
      : undefined;
  };
  if (action === 'replace' || action === 'rename') {
    const [b, a] = [show(before), show(after)];
    return b !== undefined && a !== undefined ? `: ${b} -> ${a}` : '';
  }
  const value = show(action === 'add' ? after : before);
  return value !== undefined ? `: ${value}` : '';
}
