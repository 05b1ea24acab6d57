import { bindOperations, operations, unboundOperations, type Handlers, type Invoke } from '../../generated/operations';
import { renderOperations, type OpenApiDocument } from '../../scripts/lib/bindings';

const ok = { description: 'ok', content: { 'application/json': { schema: {} } } };
const problem = { description: 'bad', content: { 'application/problem+json': { schema: {} } } };

function spec(paths: OpenApiDocument['paths']): OpenApiDocument {
  return { paths };
}

describe('renderOperations', () => {
  it('renders inputs from path, query and body, and results of only the success statuses', () => {
    const out = renderOperations(
      spec({
        '/things/{thing_id}': {
          patch: {
            operationId: 'updateThing',
            tags: ['things'],
            parameters: [
              { name: 'thing_id', in: 'path' },
              { name: 'dry_run', in: 'query' },
            ],
            requestBody: { required: true, content: { 'application/json': {} } },
            responses: { '200': ok, '204': { description: 'none' }, '404': problem },
            'x-permissions': ['things:write'],
          },
        },
      }),
    );
    expect(out).toContain("route: '/things/:thing_id'");
    expect(out).toContain("permissions: ['things:write']");
    expect(out).toContain("updateThing: { path: Spec['updateThing']['parameters']['path'];");
    expect(out).toContain("query: NonNullable<Spec['updateThing']['parameters']['query']>;");
    expect(out).toContain(
      "updateThing: { status: 200; body: Spec['updateThing']['responses'][200]['content']['application/json']; } | { status: 204; };",
    );
    expect(out).not.toContain('status: 404');
    expect(out).toContain('export interface ThingsHandlers<Ctx, P = unknown>');
  });

  it('asks handlers for the headers they send, not those the middleware sets (x-set-by: middleware)', () => {
    const doc: OpenApiDocument = {
      components: {
        headers: {
          XRequestId: { required: true, 'x-set-by': 'middleware', schema: { type: 'string' } },
          RateLimitLimit: { 'x-set-by': 'middleware', schema: { type: 'integer' } },
        },
      },
      paths: {
        '/things': {
          post: {
            operationId: 'createThing',
            tags: ['things'],
            responses: {
              '201': {
                ...ok,
                headers: {
                  Location: { required: true, schema: { type: 'string' } },
                  'X-Request-Id': { $ref: '#/components/headers/XRequestId' },
                  'RateLimit-Limit': { $ref: '#/components/headers/RateLimitLimit' },
                },
              },
              '304': { description: 'same', headers: { ETag: { required: true, 'x-set-by': 'middleware' } } },
            },
          },
        },
      },
    };
    const out = renderOperations(doc);
    expect(out).toContain("headers: { 'location': string; }; } | { status: 304; };");
    expect(out).not.toMatch(/x-request-id|ratelimit|etag/);
  });

  it.each([
    ['a $ref outside components/headers', { $ref: '#/components/schemas/X' }, /refers to #\/components\/schemas\/X/],
    ['an unknown x-set-by', { 'x-set-by': 'handler' }, /x-set-by must be middleware/],
  ])('refuses a response header with %s', (_what, header, message) => {
    const paths = {
      '/x': { get: { operationId: 'x', tags: ['t'], responses: { '200': { ...ok, headers: { 'X-Y': header } } } } },
    };
    expect(() => renderOperations(spec(paths))).toThrow(message);
  });

  it('is deterministic whatever order the spec lists paths in', () => {
    const a = { get: { operationId: 'a', tags: ['t'], responses: { '200': ok } } };
    const b = { get: { operationId: 'b', tags: ['t'], responses: { '200': ok } } };
    expect(renderOperations(spec({ '/a': a, '/b': b }))).toBe(renderOperations(spec({ '/b': b, '/a': a })));
  });

  it.each([
    ['no operationId', { '/x': { get: { tags: ['t'], responses: { '200': ok } } } }, /GET \/x has no operationId/],
    ['no tag', { '/x': { get: { operationId: 'x', responses: { '200': ok } } } }, /\(x\) has no tag/],
    [
      'a duplicate operationId',
      {
        '/x': { get: { operationId: 'x', tags: ['t'], responses: { '200': ok } } },
        '/y': { get: { operationId: 'x', tags: ['t'], responses: { '200': ok } } },
      },
      /used twice/,
    ],
    [
      'no success response',
      { '/x': { get: { operationId: 'x', tags: ['t'], responses: { '400': problem } } } },
      /no success response/,
    ],
  ])('refuses a spec with %s', (_name, paths, message) => {
    expect(() => renderOperations(spec(paths as OpenApiDocument['paths']))).toThrow(message);
  });
});

describe('bindOperations', () => {
  const handler = async () => ({ status: 200 }) as never;
  const complete = () => {
    const byTag: Record<string, Record<string, unknown>> = {};
    for (const op of Object.values(operations)) (byTag[op.tag] ??= {})[op.operationId] = handler;
    return byTag as unknown as Handlers<unknown>;
  };

  it('binds every operation in the spec exactly once', () => {
    const bound: string[] = [];
    bindOperations(complete(), (op) => bound.push(op.operationId));
    expect(bound.sort()).toEqual(Object.keys(operations).sort());
  });

  it('refuses to run with an unbound operation and names it', () => {
    const handlers = complete() as unknown as Record<string, Record<string, unknown>>;
    delete handlers.users!.createUser;
    expect(unboundOperations(handlers)).toEqual(['createUser']);
    expect(() => bindOperations(handlers as unknown as Handlers<unknown>, () => {})).toThrow(
      'Unbound operations (no handler): createUser',
    );
  });

  it('passes path, query and body through to the handler of the operation', async () => {
    const handlers = complete() as unknown as Record<string, Record<string, jest.Mock>>;
    handlers.users!.createUser = jest.fn(async () => ({ status: 201 }));
    let invokeCreate: Invoke<string> | undefined;
    bindOperations(handlers as unknown as Handlers<string>, (op, invoke) => {
      if (op.operationId === 'createUser') invokeCreate = invoke;
    });
    await invokeCreate?.({ params: {}, query: {}, body: { username: 'x' } }, 'ctx');
    expect(handlers.users!.createUser).toHaveBeenCalledWith({ body: { username: 'x' } }, 'ctx');
  });
});
