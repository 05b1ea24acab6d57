/**
 * Renders generated/operations.ts from the bundled spec: for every operationId
 * its metadata, its handler input (path, query, body), a result union of
 * exactly its documented success statuses, the per-tag handler interfaces, and
 * the code that binds each operation to its handler.
 *
 * Types point into openapi-typescript's `operations` so the two never disagree.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
type Method = (typeof METHODS)[number];

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
}
interface MediaMap {
  [mediaType: string]: { schema?: unknown };
}
interface Header {
  required?: boolean;
  schema?: { type?: string };
  /** `middleware`: sent by the middleware for every such response, never by a handler. */
  'x-set-by'?: string;
}
interface Response {
  description?: string;
  content?: MediaMap;
  headers?: Record<string, Header | { $ref: string }>;
}
interface Operation {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: MediaMap };
  responses: Record<string, Response>;
  'x-permissions'?: string[];
  'x-rate-limit'?: string;
}
export interface OpenApiDocument {
  security?: Record<string, string[]>[];
  components?: { headers?: Record<string, Header> };
  paths: Record<string, Partial<Record<Method, Operation>> & { parameters?: Parameter[] }>;
}

export interface Op {
  id: string;
  tag: string;
  method: Method;
  path: string;
  route: string;
  security: string[][];
  permissions: string[];
  rateLimit: string | null;
  pathParams: string[];
  queryParams: string[];
  body: { mediaType: string; required: boolean } | null;
  results: { status: number; mediaType: string | null; headers: Record<string, Header> }[];
}

const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
export const pascal = (s: string) =>
  s.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_m, _p, c: string) => c.toUpperCase());
const jsonish = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

function component(spec: OpenApiDocument, ref: string, where: string): Header {
  const name = /^#\/components\/headers\/([^/]+)$/.exec(ref)?.[1];
  const header = name === undefined ? undefined : spec.components?.headers?.[name];
  if (!header) throw new Error(`${where} refers to ${ref}, which is not in components/headers`);
  return header;
}

/**
 * The headers a handler sends: `$ref`s to components/headers followed, and those
 * the middleware sets (`x-set-by: middleware`: the request id, rate limits) left out,
 * so declaring them in the spec asks nothing of the handlers.
 */
function handlerHeaders(spec: OpenApiDocument, headers: Response['headers'], where: string): Record<string, Header> {
  const result: Record<string, Header> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const header = '$ref' in value ? component(spec, value.$ref, `${where}: header ${name}`) : value;
    if (header['x-set-by'] === 'middleware') continue;
    if (header['x-set-by'] !== undefined) throw new Error(`${where}: header ${name}: x-set-by must be middleware`);
    result[name] = header;
  }
  return result;
}

export function collect(spec: OpenApiDocument): Op[] {
  const ops: Op[] = [];
  const seen = new Set<string>();
  for (const [path, item] of Object.entries(spec.paths).sort(([a], [b]) => a.localeCompare(b))) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const where = `${method.toUpperCase()} ${path}`;
      if (!op.operationId) throw new Error(`${where} has no operationId`);
      if (seen.has(op.operationId)) throw new Error(`operationId ${op.operationId} is used twice`);
      seen.add(op.operationId);
      const tag = op.tags?.[0];
      if (!tag) throw new Error(`${where} (${op.operationId}) has no tag`);
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])];
      const bodyMedia = op.requestBody ? Object.keys(op.requestBody.content) : [];
      if (bodyMedia.length > 1) throw new Error(`${op.operationId}: one request media type is supported`);
      const results = Object.entries(op.responses)
        .filter(([status]) => /^[23]\d\d$/.test(status))
        .map(([status, response]) => {
          const media = Object.keys(response.content ?? {});
          if (media.length > 1) throw new Error(`${op.operationId} ${status}: one response media type is supported`);
          const headers = handlerHeaders(spec, response.headers, `${op.operationId} ${status}`);
          return { status: Number(status), mediaType: media[0] ?? null, headers };
        });
      if (results.length === 0) throw new Error(`${op.operationId} documents no success response`);
      ops.push({
        id: op.operationId,
        tag,
        method,
        path,
        route: path.replace(/\{([^}]+)\}/g, ':$1'),
        security: (op.security ?? spec.security ?? []).map((requirement) => Object.keys(requirement).sort()),
        permissions: op['x-permissions'] ?? [],
        rateLimit: op['x-rate-limit'] ?? null,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        body: bodyMedia[0] ? { mediaType: bodyMedia[0], required: op.requestBody?.required === true } : null,
        results,
      });
    }
  }
  return ops.sort((a, b) => a.id.localeCompare(b.id));
}

/** Secured: every alternative names a scheme (an empty alternative `{}` makes the operation public). */
const secured = (op: Op) => op.security.length > 0 && op.security.every((alt) => alt.length > 0);

/** Literal path segments sort before parameters, so /users/me is bound before /users/:user_id. */
const routeOrder = (op: Op) => op.route.replace(/:[^/]+/g, '\uffff');

function inputType(op: Op): string {
  const spec = `Spec[${q(op.id)}]`;
  const fields: string[] = [];
  if (secured(op)) fields.push('principal: P;');
  if (op.pathParams.length) fields.push(`path: ${spec}['parameters']['path'];`);
  if (op.queryParams.length) fields.push(`query: NonNullable<${spec}['parameters']['query']>;`);
  if (op.body) {
    const type = `NonNullable<${spec}['requestBody']>['content'][${q(op.body.mediaType)}]`;
    fields.push(op.body.required ? `body: ${type};` : `body?: ${type};`);
  }
  return fields.length ? `{ ${fields.join(' ')} }` : 'Record<string, never>';
}

function headerType(headers: Record<string, Header>): string | null {
  const entries = Object.entries(headers).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return null;
  const fields = entries.map(([name, header]) => {
    const type = header.schema?.type === 'integer' || header.schema?.type === 'number' ? 'number' : 'string';
    return `${q(name.toLowerCase())}${header.required ? '' : '?'}: ${type};`;
  });
  return `{ ${fields.join(' ')} }`;
}

function resultType(op: Op): string {
  return op.results
    .map(({ status, mediaType, headers }) => {
      const fields = [`status: ${status};`];
      if (mediaType) {
        const body = jsonish(mediaType)
          ? `Spec[${q(op.id)}]['responses'][${status}]['content'][${q(mediaType)}]`
          : 'string';
        fields.push(`body: ${body};`);
      }
      const h = headerType(headers);
      const required = Object.values(headers).some((header) => header.required);
      if (h) fields.push(`headers${required ? '' : '?'}: ${h};`);
      return `{ ${fields.join(' ')} }`;
    })
    .join(' | ');
}

function meta(op: Op): string {
  const responses = op.results.map((r) => `${r.status}: ${r.mediaType ? q(r.mediaType) : 'null'}`).join(', ');
  return [
    `  ${op.id}: {`,
    `    operationId: ${q(op.id)},`,
    `    tag: ${q(op.tag)},`,
    `    method: ${q(op.method)},`,
    `    path: ${q(op.path)},`,
    `    route: ${q(op.route)},`,
    `    security: [${op.security.map((alt) => `[${alt.map(q).join(', ')}]`).join(', ')}],`,
    `    secured: ${secured(op)},`,
    `    permissions: [${op.permissions.map(q).join(', ')}],`,
    `    rateLimit: ${op.rateLimit === null ? 'null' : q(op.rateLimit)},`,
    `    responses: { ${responses} },`,
    `  },`,
  ].join('\n');
}

function invocation(op: Op): string {
  const args: string[] = [];
  if (secured(op)) args.push('principal: req.principal as P');
  if (op.pathParams.length) args.push(`path: req.params as Inputs[${q(op.id)}]['path']`);
  if (op.queryParams.length) args.push(`query: req.query as Inputs[${q(op.id)}]['query']`);
  if (op.body) args.push(`body: req.body as Inputs[${q(op.id)}]['body']`);
  const reqName = args.length ? 'req' : '_req';
  const input = args.length ? `{ ${args.join(', ')} }` : '{}';
  return `  bind(operations.${op.id}, (${reqName}, ctx) => handlers.${op.tag}.${op.id}(${input}, ctx));`;
}

export function renderOperations(spec: OpenApiDocument): string {
  const ops = collect(spec);
  const tags = [...new Set(ops.map((op) => op.tag))].sort();
  const lines: string[] = [];
  const push = (...more: string[]) => lines.push(...more);

  push(
    "import type { components, operations as Spec } from './schema';",
    '',
    "export type Schemas = components['schemas'];",
    `export type OperationId = ${ops.map((op) => q(op.id)).join(' | ')};`,
    `export type Tag = ${tags.map(q).join(' | ')};`,
    '',
    '/** What the router needs to know of an operation, read from the spec. */',
    'export interface OperationMeta {',
    '  readonly operationId: OperationId;',
    '  readonly tag: Tag;',
    "  readonly method: 'get' | 'put' | 'post' | 'delete' | 'patch';",
    '  /** The path as the spec writes it, e.g. /v1/users/{user_id}. */',
    '  readonly path: string;',
    '  /** The same path in express syntax, e.g. /v1/users/:user_id. */',
    '  readonly route: string;',
    '  /** Alternative security requirements, each a list of scheme names; empty means public. */',
    '  readonly security: readonly (readonly string[])[];',
    '  /** Every alternative needs a scheme: the handler gets the principal, and the router refuses a call without one. */',
    '  readonly secured: boolean;',
    '  /** Permissions the caller must hold (x-permissions). */',
    '  readonly permissions: readonly string[];',
    '  /** The stricter rate limit the operation names (x-rate-limit), if any. */',
    '  readonly rateLimit: string | null;',
    '  /** Documented success statuses and the media type of each (null: no body). */',
    '  readonly responses: { readonly [status: number]: string | null };',
    '}',
    '',
    'export const operations = {',
    ...ops.map(meta),
    '} as const satisfies Record<OperationId, OperationMeta>;',
    '',
    '/** The input each handler receives, already validated against the spec; P is the authenticated caller. */',
    'export interface Inputs<P = unknown> {',
    ...ops.map((op) => `  ${op.id}: ${inputType(op)};`),
    '}',
    '',
    '/** Exactly the documented success responses of each operation. */',
    'export interface Results {',
    ...ops.map((op) => `  ${op.id}: ${resultType(op)};`),
    '}',
    '',
    'export type Handler<K extends OperationId, Ctx, P> = (input: Inputs<P>[K], ctx: Ctx) => Promise<Results[K]>;',
    '',
  );
  for (const tag of tags) {
    push(`export interface ${pascal(tag)}Handlers<Ctx, P = unknown> {`);
    for (const op of ops.filter((o) => o.tag === tag)) push(`  ${op.id}: Handler<${q(op.id)}, Ctx, P>;`);
    push('}', '');
  }
  push(
    '/** One handler object per tag; a missing handler does not compile. */',
    'export interface Handlers<Ctx, P = unknown> {',
    ...tags.map((tag) => `  ${tag}: ${pascal(tag)}Handlers<Ctx, P>;`),
    '}',
    '',
    'export interface RawRequest {',
    '  /** The authenticated caller, set before secured operations run. */',
    '  principal?: unknown;',
    '  params: unknown;',
    '  query: unknown;',
    '  body: unknown;',
    '}',
    '',
    'export type Invoke<Ctx> = (req: RawRequest, ctx: Ctx) => Promise<Results[OperationId]>;',
    '',
    '/** Operations whose handler is missing from `handlers` (checked again at start-up, for plain JS callers). */',
    'export function unboundOperations(handlers: unknown): OperationId[] {',
    '  const byTag = (handlers ?? {}) as Record<string, Record<string, unknown> | undefined>;',
    "  return Object.values(operations).filter((op) => typeof byTag[op.tag]?.[op.operationId] !== 'function').map((op) => op.operationId);",
    '}',
    '',
    '/** Hands each operation and a typed call of its handler to `bind`; refuses to run with an unbound operation. */',
    '/** Routes are handed over literal segments first, so /users/me wins over /users/{user_id}. */',
    'export function bindOperations<Ctx, P>(',
    '  handlers: Handlers<Ctx, P>,',
    '  bind: (op: OperationMeta, invoke: Invoke<Ctx>) => void,',
    '): void {',
    '  const missing = unboundOperations(handlers);',
    "  if (missing.length) throw new Error(`Unbound operations (no handler): ${missing.join(', ')}`);",
    ...[...ops]
      .sort((a, b) => (routeOrder(a) < routeOrder(b) ? -1 : routeOrder(a) > routeOrder(b) ? 1 : 0))
      .map(invocation),
    '}',
    '',
  );
  return lines.join('\n');
}
