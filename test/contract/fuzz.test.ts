/**
 * Schema-driven fuzzing of every operation in the spec:
 * (a) inputs valid by the schema never get a 5xx, and every response conforms;
 * (b) inputs broken on purpose always get a 4xx problem+json and change nothing.
 * Fixed seed by default (FUZZ_SEED), FUZZ_RUNS runs per property; fast-check
 * prints the seed and path of a failure so it can be replayed.
 */
import fc, { type Arbitrary } from 'fast-check';
import request from 'supertest';
import spec from '../../generated/openapi.json';
import { startTestApp, type TestApp } from '../support/app';
import { login, newAdmin, newUser, type LoggedIn } from '../support/auth';
import { violations } from '../support/contract';
import { testDatabaseUrl } from '../support/test-database';
import { deref, oddString, valid, wrongType, type Schema } from './arbitraries';

const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
type Method = (typeof METHODS)[number];

interface Param {
  name: string;
  schema: Schema;
  required: boolean;
}
interface Operation {
  id: string;
  method: Method;
  template: string;
  pathParams: Param[];
  queryParams: Param[];
  body: Schema | undefined;
  secured: boolean;
}
interface Call {
  label: string;
  path: Record<string, string>;
  query: Record<string, string>;
  body?: unknown;
  raw?: { contentType: string; text: string };
  auth: 'admin' | 'none' | string;
}

type RawOperation = {
  operationId: string;
  parameters?: (Param & { in: string })[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  security?: unknown[];
};
type RawPathItem = Partial<Record<Method, RawOperation>> & { parameters?: (Param & { in: string })[] };

const operations: Operation[] = Object.entries(spec.paths as unknown as Record<string, RawPathItem>).flatMap(
  ([template, item]) =>
    METHODS.filter((m) => item[m]).map((method) => {
      const op = item[method]!;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])];
      const pick = (where: string) =>
        params.filter((p) => p.in === where).map((p) => ({ name: p.name, schema: p.schema, required: !!p.required }));
      return {
        id: op.operationId,
        method,
        template,
        pathParams: pick('path'),
        queryParams: pick('query'),
        body: op.requestBody?.content['application/json']?.schema,
        secured: (op.security ?? []).length > 0,
      };
    }),
);

let t: TestApp;
let admin: LoggedIn;
let loggerOut: LoggedIn;
beforeAll(async () => {
  t = await startTestApp({ databaseUrl: testDatabaseUrl('fuzz') });
  admin = await newAdmin(t);
  loggerOut = await newUser(t.app);
});
afterAll(() => t.close());

async function bearerFor(op: Operation, auth: Call['auth']): Promise<string | undefined> {
  if (auth === 'none') return undefined;
  if (auth !== 'admin') return auth;
  if (op.id === 'logout') {
    // logging out ends the session: a fresh one each time
    return `Bearer ${(await login(t.app, loggerOut.input.username, loggerOut.input.password)).access_token}`;
  }
  return admin.bearer;
}

/** Everything but sending: the bearer is obtained first (a fresh login for logout), so state snapshots around the send see only it. */
async function prepare(op: Operation, call: Call) {
  const path = op.template.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(call.path[name] ?? ''));
  const query = new URLSearchParams(call.query).toString();
  const bearer = op.secured || call.auth !== 'admin' ? await bearerFor(op, call.auth) : undefined;
  return () => {
    let req = request(t.app)[op.method](query ? `${path}?${query}` : path);
    if (bearer) req = req.set('authorization', bearer);
    if (call.raw) return req.set('content-type', call.raw.contentType).send(call.raw.text);
    return call.body === undefined ? req : req.send(call.body as object);
  };
}

async function send(op: Operation, call: Call) {
  return (await prepare(op, call))();
}

/** Rows that any accepted request could have changed. */
async function state(): Promise<string> {
  const [row] = await t.database.orm.em.getConnection().execute(`
    select (select count(*) from users) as users,
           (select coalesce(max(updated_at)::text, '') from users) as last_update,
           (select count(*) from sessions where revoked_at is null) as live_sessions,
           (select count(*) from refresh_tokens) as refresh_tokens,
           (select count(*) from signing_keys) as keys`);
  return JSON.stringify(row);
}

function takeViolations(): string[] {
  return violations.splice(0);
}

const record = (params: Param[]) =>
  fc.record(Object.fromEntries(params.map((p) => [p.name, valid(p.schema).map(String)])), {
    requiredKeys: params.filter((p) => p.required || p.schema === undefined).map((p) => p.name),
  }) as Arbitrary<Record<string, string>>;

function validCall(op: Operation): Arbitrary<Call> {
  return fc.record({
    label: fc.constant('valid'),
    path: record(op.pathParams.map((p) => ({ ...p, required: true }))),
    query: record(op.queryParams),
    body: op.body ? valid(op.body) : fc.constant(undefined),
    auth: fc.constant('admin'),
  });
}

function brokenCalls(op: Operation): Arbitrary<Call> {
  const base = validCall(op);
  const broken: Arbitrary<Call>[] = [
    base.map((c) => ({ ...c, label: 'unknown query parameter', query: { ...c.query, unexpected_param: '1' } })),
  ];
  if (op.pathParams.length) {
    const badId = fc.oneof(
      fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/^[0-9a-f-]{36}$/i.test(s)),
      oddString,
    );
    broken.push(
      fc.tuple(base, badId).map(([c, id]) => ({ ...c, label: 'bad path id', path: { [op.pathParams[0]!.name]: id } })),
    );
  }
  const typedQuery = op.queryParams.filter((p) => deref(p.schema).type !== 'string' || deref(p.schema).pattern);
  if (typedQuery.length) {
    const bad = fc.constantFrom(...typedQuery).chain((p) =>
      fc
        .oneof(fc.constantFrom('0', '101', '-1', '1.5', 'abc', 'maybe', 'root', '***'), oddString)
        .filter((v) => !fc.sample(valid(p.schema), 1).includes(v) && !isValidQuery(p, v))
        .map((v) => [p.name, v] as const),
    );
    broken.push(
      fc.tuple(base, bad).map(([c, [k, v]]) => ({ ...c, label: `bad query ${k}`, query: { ...c.query, [k]: v } })),
    );
  }
  if (op.body) {
    const schema = deref(op.body);
    const props = Object.keys(schema.properties ?? {});
    const required = schema.required ?? [];
    const withBody = base.filter((c) => typeof c.body === 'object' && c.body !== null);
    const obj = (c: Call) => c.body as Record<string, unknown>;
    if (required.length) {
      broken.push(
        fc.tuple(withBody, fc.constantFrom(...required)).map(([c, key]) => {
          const { [key]: _gone, ...rest } = obj(c);
          return { ...c, label: `missing ${key}`, body: rest };
        }),
      );
    }
    broken.push(withBody.map((c) => ({ ...c, label: 'extra field', body: { ...obj(c), unexpected_field: 1 } })));
    if (props.length) {
      broken.push(
        fc.tuple(withBody, fc.constantFrom(...props)).chain(([c, key]) =>
          wrongType(schema.properties![key]!).map((v) => ({
            ...c,
            label: `wrong type ${key}`,
            body: { ...obj(c), [key]: v },
          })),
        ),
      );
      const constrained = props.filter((k) => {
        const p = deref(schema.properties![k]!);
        return p.pattern || p.format || p.enum || p.const !== undefined;
      });
      const odd = constrained.length ? fc.constantFrom(...constrained) : fc.constantFrom(...props);
      broken.push(
        fc.tuple(withBody, odd, oddString).map(([c, key, v]) => ({
          ...c,
          label: `odd string in ${key}`,
          body: { ...obj(c), [key]: constrained.length ? v : v.repeat(Math.ceil(300 / v.length)) },
        })),
      );
    }
    broken.push(
      fc.tuple(base, fc.constantFrom<unknown>([1, 2], 42, 'text', null, true)).map(([c, b]) => ({
        ...c,
        label: 'not an object',
        raw: { contentType: 'application/json', text: JSON.stringify(b) },
      })),
      fc
        .tuple(base, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml'))
        .map(([c, type]) => ({
          ...c,
          label: `content-type ${type}`,
          raw: { contentType: type, text: 'a=1' },
        })),
      fc
        .tuple(base, fc.constantFrom('{"a":', '{,}', '[', '{"a":1}}', '\u0000'))
        .map(([c, text]) => ({ ...c, label: 'malformed JSON', raw: { contentType: 'application/json', text } })),
    );
  }
  if (op.secured) {
    // Change a character in the middle of the signature: the last one may only hold padding bits.
    const tampered = () => {
      const token = admin.tokens.access_token;
      const at = token.length - 20;
      return `Bearer ${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
    };
    broken.push(
      fc
        .tuple(base, fc.constantFrom('none', 'Bearer garbage', 'Basic YWRtaW46YWRtaW4=', 'Bearer ', 'tampered'))
        .map(([c, auth]) => ({
          ...c,
          label: `bad credentials (${auth})`,
          auth: auth === 'tampered' ? tampered() : auth,
        })),
    );
  }
  return fc.oneof(...broken);
}

function isValidQuery(p: Param, value: string): boolean {
  const s = deref(p.schema);
  if (s.type === 'integer')
    return /^-?\d+$/.test(value) && +value >= (s.minimum ?? -Infinity) && +value <= (s.maximum ?? Infinity);
  if (s.type === 'boolean') return value === 'true' || value === 'false';
  if (s.enum) return s.enum.includes(value);
  if (s.pattern) return new RegExp(s.pattern, 'u').test(value) && value.length <= (s.maxLength ?? Infinity);
  return true;
}

const params = { numRuns: RUNS, seed: SEED, endOnFailure: true };

/** A well-formed call with every path parameter filled in. */
const fixedCall = (op: Operation): Call => ({
  label: 'fixed',
  path: Object.fromEntries(op.pathParams.map((p) => [p.name, admin.user.id])),
  query: {},
  body: op.body ? {} : undefined,
  auth: 'admin',
});

describe.each(operations.map((op) => [op.id, op] as const))('%s', (_id, op) => {
  it('valid inputs: never a 5xx, every response as documented', async () => {
    await fc.assert(
      fc.asyncProperty(validCall(op), async (call) => {
        const res = await send(op, call);
        const found = takeViolations();
        if (res.status >= 500 || found.length) {
          throw new Error(`${res.status} ${res.text.slice(0, 300)}\n${found.join('\n')}`);
        }
      }),
      params,
    );
  });

  it('broken inputs: always a 4xx problem, and nothing changes', async () => {
    await fc.assert(
      fc.asyncProperty(brokenCalls(op), async (call) => {
        const go = await prepare(op, call);
        const before = await state();
        const res = await go();
        const after = await state();
        const found = takeViolations();
        const problem = String(res.headers['content-type']).startsWith('application/problem+json');
        if (res.status < 400 || res.status >= 500 || !problem || found.length || before !== after) {
          throw new Error(
            `${call.label}: ${res.status} ${res.text.slice(0, 300)}\n${found.join('\n')}\nstate ${before} -> ${after}`,
          );
        }
      }),
      params,
    );
  });

  // Not left to chance: every operation answers these documented errors.
  it('an unknown query parameter: 400', async () => {
    const res = await send(op, { ...fixedCall(op), query: { unexpected_param: '1' } });
    expect(res.status).toBe(400);
  });

  if (op.secured) {
    it('no bearer token: 401', async () => {
      expect((await send(op, { ...fixedCall(op), auth: 'none' })).status).toBe(401);
    });
  }

  if (op.body) {
    it('a body over the limit: 413; a body that is not JSON: 415', async () => {
      const huge = JSON.stringify({ padding: 'x'.repeat(1_100_000) });
      const tooLarge = await send(op, { ...fixedCall(op), raw: { contentType: 'application/json', text: huge } });
      expect(tooLarge.status).toBe(413);
      const notJson = await send(op, { ...fixedCall(op), raw: { contentType: 'text/plain', text: 'hello' } });
      expect(notJson.status).toBe(415);
    });
  }
});
