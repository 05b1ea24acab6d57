/**
 * Checks every response the tests provoke against the spec, independently of
 * the server's own validator, and records which (operationId, status) pairs
 * were exercised for the coverage matrix. Violations fail the test that made
 * the request (see contract-setup.ts), naming the operation and schema path.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import express, { type Express, type RequestHandler } from 'express';
import spec from '../../generated/openapi.json';

type Doc = typeof spec & { paths: Record<string, Record<string, unknown>> };
const doc = spec as Doc;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

interface Route {
  template: string;
  pattern: RegExp;
  methods: Record<string, { operationId: string; responses: Record<string, unknown> }>;
}

const routes: Route[] = Object.entries(doc.paths).map(([template, item]) => ({
  template,
  pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  methods: Object.fromEntries(
    Object.entries(item).filter(([m]) => METHODS.includes(m)) as [string, Route['methods'][string]][],
  ),
}));
// literal paths before templated ones, as the server routes them
routes.sort((a, b) => Number(a.template.includes('{')) - Number(b.template.includes('{')));

/**
 * The spec as the server's own tests hold it: every object schema closed. Response
 * objects are open in the published contract, so that adding a member breaks no client
 * (see the spec's description); the tests still insist that the server sends only
 * what the spec declares. A schema that is a branch of an `allOf` stays open in place
 * (closing it would refuse its siblings' members): the response as a whole is closed
 * where it is validated (`unevaluatedProperties` sees through `allOf` and `$ref`).
 */
export function closedForTests<T>(spec: T): T {
  const copy = structuredClone(spec);
  const branches = new Set<unknown>();
  const target = (node: unknown): unknown => {
    const ref = (node as { $ref?: unknown } | null)?.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
    return ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], copy);
  };
  const nodes: Record<string, unknown>[] = [];
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const object = node as Record<string, unknown>;
    nodes.push(object);
    if (Array.isArray(object.allOf)) for (const branch of object.allOf) branches.add(target(branch));
    for (const [key, value] of Object.entries(object)) if (key !== 'example' && key !== 'examples') walk(value);
  };
  walk(copy);
  for (const node of nodes) {
    const isObjectSchema = typeof node.properties === 'object' || Array.isArray(node.allOf);
    const saysSo = 'additionalProperties' in node || 'unevaluatedProperties' in node;
    if (isObjectSchema && !saysSo && !branches.has(node)) node.unevaluatedProperties = false;
  }
  return copy;
}

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
ajv.addSchema(closedForTests(doc) as object, 'openapi.json');
const validators = new Map<string, ReturnType<typeof ajv.compile>>();
const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export interface Exercised {
  operationId: string;
  status: number;
  /** Set for HEAD, which the server answers for every GET operation (the coverage counts it apart). */
  method?: 'HEAD';
}

export const violations: string[] = [];
export const exercised: Exercised[] = [];

/** The operation the spec has for this method and path, if any; HEAD is the GET operation's. */
function find(method: string, path: string) {
  const route = routes.find((r) => r.pattern.test(path));
  const specMethod = method === 'HEAD' ? 'get' : method.toLowerCase();
  return { route, op: route?.methods[specMethod] };
}

/**
 * Validates one finished exchange; returns a description of what is wrong, or null.
 * A HEAD exchange is checked as its GET (status, headers' media type) and must have no body.
 */
export function check(method: string, path: string, status: number, contentType: string, body: string): string | null {
  const { route, op } = find(method, path);
  const head = method === 'HEAD';
  if (head && body.length > 0) return `HEAD ${path}: ${status} sent a body`;
  if (!route || !op) {
    // outside the spec: only errors, as problem+json
    if (status < 400) return `${method} ${path}: ${status} for a path/method the spec does not have`;
    return isProblem(contentType, head ? undefined : body) ? null : `${method} ${path}: ${status} is not problem+json`;
  }
  const where = `${op.operationId} (${method} ${route.template}) -> ${status}`;
  const [response, responsePointer] = resolve(
    op.responses[String(status)],
    pointer('paths', route.template, method.toLowerCase(), 'responses', String(status)),
  );
  if (!response) return `${where}: status not documented`;
  const mediaTypes = Object.keys(response.content ?? {});
  if (mediaTypes.length === 0) return body.length === 0 ? null : `${where}: documented without a body but sent one`;
  const mediaType = contentType.split(';')[0]!.trim();
  // A documented key may carry parameters (`text/plain; version=0.0.4`); the type itself must match.
  const documented = mediaTypes.find((m) => m.split(';')[0]!.trim() === mediaType);
  if (documented === undefined)
    return `${where}: content-type ${mediaType || '(none)'}, documented ${mediaTypes.join(', ')}`;
  if (head || !(mediaType === 'application/json' || mediaType.endsWith('+json'))) return null;
  const ref = `openapi.json#/${responsePointer}/${pointer('content', documented, 'schema')}`;
  let validate = validators.get(ref);
  if (!validate) validators.set(ref, (validate = ajv.compile({ $ref: ref, unevaluatedProperties: false })));
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `${where}: body is not JSON`;
  }
  if (validate(parsed)) return null;
  const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} (schema ${e.schemaPath})`);
  return `${where}: body does not match the spec:\n    ${errors.join('\n    ')}`;
}

/**
 * The response headers the spec marks `required` for this exchange that were not sent
 * (X-Request-Id on every response, ETag on 304, Location on 201, ...); null when none.
 */
export function missingHeaders(
  method: string,
  path: string,
  status: number,
  sent: (name: string) => boolean,
): string | null {
  const { route, op } = find(method, path);
  if (!route || !op) return null;
  const [response] = resolve(op.responses[String(status)], '');
  const headers = (response as { headers?: Record<string, unknown> } | undefined)?.headers ?? {};
  const missing = Object.entries(headers)
    .filter(([name, header]) => (resolve(header, '')[0] as { required?: boolean } | undefined)?.required && !sent(name))
    .map(([name]) => name);
  return missing.length
    ? `${op.operationId} (${method} ${route.template}) -> ${status}: no ${missing.join(', ')} header`
    : null;
}

/** Follows a `$ref` to a response object: the object and its JSON pointer in the spec. */
function resolve(value: unknown, at: string): [{ content?: Record<string, unknown> } | undefined, string] {
  const ref = (value as { $ref?: string } | undefined)?.$ref;
  if (!ref) return [value as { content?: Record<string, unknown> } | undefined, at];
  const path = ref.replace(/^#\//, '');
  const target = path
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
  return resolve(target, path);
}

/** A problem+json response; its members too when there is a body to read (not for HEAD). */
function isProblem(contentType: string, body: string | undefined): boolean {
  if (!contentType.startsWith('application/problem+json')) return false;
  if (body === undefined) return true;
  const problem = JSON.parse(body) as Record<string, unknown>;
  return ['type', 'title', 'status', 'detail', 'instance', 'request_id'].every((k) => k in problem);
}

/** Wraps an app so that every response it sends is checked and recorded. */
export function checked(app: Express): Express {
  const outer = express();
  outer.disable('x-powered-by');
  outer.use(recorder());
  outer.use(app);
  return outer;
}

function recorder(): RequestHandler {
  return (req, res, next) => {
    const chunks: Buffer[] = [];
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (chunk && typeof chunk !== 'function') {
        chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), encoding as BufferEncoding));
      }
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0]);
      return end(chunk, ...rest);
    }) as typeof res.end;
    res.once('finish', () => {
      const path = req.originalUrl.split('?')[0] ?? '/';
      if (path.startsWith('/docs/assets/')) return; // static files, outside the spec on purpose
      if (req.method === 'OPTIONS') return; // CORS preflights, answered before the spec is consulted
      const body = req.method === 'HEAD' ? '' : Buffer.concat(chunks).toString('utf8');
      const operationId = find(req.method, path).op?.operationId;
      if (operationId) {
        exercised.push({ operationId, status: res.statusCode, ...(req.method === 'HEAD' ? { method: 'HEAD' } : {}) });
      }
      const problem = check(req.method, path, res.statusCode, String(res.getHeader('content-type') ?? ''), body);
      if (problem) violations.push(problem);
      const missing = missingHeaders(req.method, path, res.statusCode, (name) => res.hasHeader(name));
      if (missing) violations.push(missing);
    });
    next();
  };
}

/** Appends this worker's exercised pairs to the run's coverage folder (read by the coverage reporter). */
export function flushExercised(): void {
  const dir = process.env.GATEHOUSE_CONTRACT_COVERAGE_DIR;
  if (!dir || exercised.length === 0) return;
  appendFileSync(join(dir, `${process.pid}.jsonl`), exercised.map((e) => JSON.stringify(e)).join('\n') + '\n');
  exercised.length = 0;
}
