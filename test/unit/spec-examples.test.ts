/**
 * The spec's examples are what `make mock` (Prism) serves to client teams, so
 * every operation has them: each documented success response with a body, and
 * each request body. Each example is validated against its schema here with
 * ajv's 2020-12 dialect, as test/support/contract.ts validates real responses.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import spec from '../../generated/openapi.json';

interface Media {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, { $ref?: string; value?: unknown }>;
}
interface Content {
  content?: Record<string, Media>;
  $ref?: string;
}
interface Operation {
  operationId: string;
  requestBody?: Content;
  responses: Record<string, Content>;
}

const doc = spec as unknown as { paths: Record<string, Record<string, unknown>> };
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

function deref<T>(value: T): T {
  const ref = (value as { $ref?: string }).$ref;
  if (!ref) return value;
  const target = ref
    .replace(/^#\//, '')
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], spec);
  return deref(target as T);
}

interface Case {
  where: string;
  /** JSON pointer of the media type object in the bundled spec. */
  at: string;
  media: Media;
}

/** Every media type of every success response and request body, with where it is. */
const cases: Case[] = [];
for (const [path, item] of Object.entries(doc.paths)) {
  for (const method of METHODS) {
    const op = item[method] as Operation | undefined;
    if (!op) continue;
    const base = ['paths', path, method];
    const targets: [string, string[], Content][] = Object.entries(op.responses)
      .filter(([status]) => /^2\d\d$/.test(status))
      .map(([status, response]) => [`${op.operationId} ${status}`, [...base, 'responses', status], response]);
    if (op.requestBody) targets.push([`${op.operationId} request body`, [...base, 'requestBody'], op.requestBody]);
    for (const [where, at, target] of targets) {
      if (target.$ref) throw new Error(`${where}: a $ref response or body is not handled here`);
      for (const [mediaType, media] of Object.entries(target.content ?? {})) {
        cases.push({ where: `${where} ${mediaType}`, at: pointer(...at, 'content', mediaType), media });
      }
    }
  }
}

/** The example values of a media type object: `example`, or each of `examples` (refs followed). */
function examplesOf(media: Media): [name: string, value: unknown][] {
  if (media.example !== undefined) return [['example', media.example]];
  return Object.entries(media.examples ?? {}).map(([name, example]) => [name, deref(example).value]);
}

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
ajv.addSchema(spec as object, 'openapi.json');

test('the spec has operations with bodies to check', () => {
  expect(cases.length).toBeGreaterThan(20);
});

test.each(cases.map((c) => [c.where, c] as const))('%s has an example', (_where, { media }) => {
  expect(examplesOf(media).length).toBeGreaterThan(0);
});

test.each(cases.map((c) => [c.where, c] as const))('%s: every example matches its schema', (_where, { at, media }) => {
  const validate = ajv.compile({ $ref: `openapi.json#/${at}/schema` });
  const failures = examplesOf(media).flatMap(([name, value]) =>
    validate(value) ? [] : (validate.errors ?? []).map((e) => `${name}: ${e.instancePath || '/'} ${e.message}`),
  );
  expect(failures).toEqual([]);
});

/** Every header of every success response, so the mock sends realistic values, not `string`. */
const headers: [where: string, header: { example?: unknown; schema?: { examples?: unknown[] } }][] = [];
for (const item of Object.values(doc.paths)) {
  for (const method of METHODS) {
    const op = item[method] as
      (Operation & { responses: Record<string, { headers?: Record<string, { $ref?: string }> }> }) | undefined;
    for (const [status, response] of Object.entries(op?.responses ?? {})) {
      if (!/^[23]\d\d$/.test(status)) continue;
      for (const [name, header] of Object.entries(response.headers ?? {})) {
        headers.push([`${op!.operationId} ${status} ${name}`, deref(header as (typeof headers)[number][1])]);
      }
    }
  }
}

test.each(headers)('%s header has an example', (_where, header) => {
  expect(header.example ?? header.schema?.examples?.[0]).toBeDefined();
});

test('a broken example is caught', () => {
  const validate = ajv.compile({ $ref: 'openapi.json#/components/schemas/User' });
  const user = deref({ $ref: '#/components/examples/User' } as { value?: object }).value;
  expect(validate(user)).toBe(true);
  expect(validate({ ...user, roles: ['root'] })).toBe(false);
});
