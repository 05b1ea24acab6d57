import spec from '../../generated/openapi.json';
import { check, closedForTests, missingHeaders } from '../support/contract';

const problem = (status: number) =>
  JSON.stringify({ type: 'urn:x', title: 't', status, detail: 'd', instance: '/', request_id: 'r' });

describe('the independent response check', () => {
  it('accepts a response that matches the spec', () => {
    expect(check('GET', '/healthz', 200, 'application/json', '{"status":"ok"}')).toBeNull();
    expect(check('POST', '/v1/users', 409, 'application/problem+json', problem(409))).toBeNull();
  });

  it('names the operation and the schema path of a body that does not match', () => {
    const found = check('GET', '/healthz', 200, 'application/json', '{"status":"fine","extra":1}');
    expect(found).toMatch(/^getHealth \(GET \/healthz\) -> 200: body does not match the spec/);
    expect(found).toMatch(
      /\/status must be equal to constant \(schema openapi.json#\/paths\/~1healthz\/get\/.*\/const\)/,
    );
    expect(found).toMatch(/must NOT have unevaluated properties/);
  });

  it('holds the server to what the spec declares, though the published response objects are open', () => {
    const user = spec.components.examples.User.value;
    const page = (item: object) => JSON.stringify({ items: [item], next_cursor: null });
    expect(check('GET', '/v1/users', 200, 'application/json', page(user))).toBeNull();
    // a member the spec does not declare, nested, at the top, and in a problem
    expect(check('GET', '/v1/users', 200, 'application/json', page({ ...user, secret: 1 }))).toMatch(
      /\/items\/0 must NOT have unevaluated properties/,
    );
    expect(check('GET', '/v1/users/me', 200, 'application/json', JSON.stringify({ ...user, x: 1 }))).toMatch(
      /unevaluated properties/,
    );
    const extended = JSON.stringify({ ...JSON.parse(problem(409)), hint: 'x' });
    expect(check('POST', '/v1/users', 409, 'application/problem+json', extended)).toMatch(/unevaluated properties/);
    // an allOf of Problem and its extension members: both branches' members are declared
    const weak = { ...JSON.parse(problem(422)), rule: 'common', errors: [{ path: '/body/password', message: 'm' }] };
    expect(check('POST', '/v1/users', 422, 'application/problem+json', JSON.stringify(weak))).toBeNull();
    expect(check('POST', '/v1/users', 422, 'application/problem+json', JSON.stringify({ ...weak, other: 1 }))).toMatch(
      /unevaluated properties/,
    );
  });

  it('leaves the published spec open: closing is a copy for the tests', () => {
    const published = spec.components.schemas.User as Record<string, unknown>;
    expect(published).not.toHaveProperty('additionalProperties');
    expect(published).not.toHaveProperty('unevaluatedProperties');
    const closed = closedForTests(spec).components.schemas as Record<string, Record<string, unknown>>;
    expect(closed.User!.unevaluatedProperties).toBe(false);
    expect(closed.Problem).not.toHaveProperty('unevaluatedProperties'); // a branch of WeakPasswordProblem's allOf
    expect(closed.WeakPasswordProblem!.unevaluatedProperties).toBe(false);
  });

  it('follows $refs to shared responses and checks them too', () => {
    const found = check('POST', '/v1/users', 409, 'application/problem+json', '{"title":"no type"}');
    expect(found).toMatch(/createUser .* -> 409: body does not match.*required/s);
  });

  it('flags an undocumented status, a wrong content type, and a body where none is documented', () => {
    expect(check('GET', '/healthz', 418, 'application/json', '{}')).toMatch(/418: status not documented/);
    expect(check('GET', '/healthz', 200, 'text/plain', 'ok')).toMatch(/content-type text\/plain/);
    expect(check('POST', '/v1/auth/logout', 204, '', 'surprise')).toMatch(/without a body but sent one/);
  });

  it('matches a documented media type that carries parameters by its type', () => {
    const metrics = 'text/plain; version=0.0.4; charset=utf-8';
    expect(check('GET', '/metrics', 200, metrics, 'up 1\n')).toBeNull();
    expect(check('GET', '/metrics', 200, 'application/json', '{}')).toMatch(/documented text\/plain; version=0.0.4/);
  });

  it('matches templated paths, literal ones first', () => {
    const id = '00000000-0000-4000-8000-000000000000';
    expect(check('DELETE', `/v1/users/${id}`, 204, '', '')).toBeNull();
    expect(check('GET', '/v1/users/me', 200, 'application/json', '{}')).toMatch(/^getMe /);
  });

  it('checks HEAD as the GET operation, without a body', () => {
    expect(check('HEAD', '/healthz', 200, 'application/json', '')).toBeNull();
    expect(check('HEAD', '/v1/users/me', 401, 'application/problem+json', '')).toBeNull();
    expect(check('HEAD', '/v1/users/me', 304, '', '')).toBeNull();
    expect(check('HEAD', '/healthz', 200, 'text/plain', '')).toMatch(
      /^getHealth \(HEAD \/healthz\) -> 200: content-type/,
    );
    expect(check('HEAD', '/healthz', 200, 'application/json', '{}')).toMatch(/sent a body/);
    expect(check('HEAD', '/v1/auth/token', 200, 'application/json', '')).toMatch(/spec does not have/);
    expect(check('HEAD', '/v1/auth/token', 405, 'application/problem+json', '')).toBeNull();
  });

  it('outside the spec, allows only problem+json errors', () => {
    expect(check('GET', '/nowhere', 404, 'application/problem+json', problem(404))).toBeNull();
    expect(check('GET', '/nowhere', 200, 'text/html', '<html>')).toMatch(/path\/method the spec does not have/);
    expect(check('GET', '/nowhere', 404, 'text/html', 'Not Found')).toMatch(/not problem\+json/);
  });
});

describe('missingHeaders', () => {
  const sent =
    (...names: string[]) =>
    (name: string) =>
      names.map((n) => n.toLowerCase()).includes(name.toLowerCase());

  it('names the required headers that were not sent, through $refs', () => {
    expect(missingHeaders('GET', '/healthz', 200, sent('X-Request-Id'))).toBeNull();
    expect(missingHeaders('GET', '/healthz', 200, sent())).toMatch(/getHealth .* 200: no X-Request-Id header/);
    expect(missingHeaders('GET', '/v1/users/me', 304, sent('X-Request-Id'))).toMatch(/304: no ETag header/);
    expect(missingHeaders('POST', '/v1/users', 201, sent('X-Request-Id'))).toMatch(/no Location header/);
    expect(missingHeaders('POST', '/v1/users', 409, sent())).toMatch(/409: no X-Request-Id header/);
  });

  it('does not ask for optional headers, nor for paths outside the spec', () => {
    expect(missingHeaders('GET', '/v1/users', 200, sent('X-Request-Id'))).toBeNull();
    expect(missingHeaders('GET', '/nowhere', 404, sent())).toBeNull();
  });
});
