/**
 * The breaking-change gate's core on the real bundled spec (generated/openapi.json,
 * kept equal to openapi/ by the drift check) against edited copies of it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { breakingChanges, checkContract, type OpenApiDocument } from '../../scripts/lib/breaking';

/* eslint-disable @typescript-eslint/no-explicit-any -- editing a parsed JSON document */
type Edit = (spec: any) => void;
/* eslint-enable @typescript-eslint/no-explicit-any */

const spec = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'generated', 'openapi.json'), 'utf8'),
) as OpenApiDocument;
/** Versions above the spec's own that are not a major bump. */
const [MAJOR, MINOR, PATCH] = String(spec.info?.version).split('.').map(Number) as [number, number, number];
const MINOR_BUMP = `${MAJOR}.${MINOR + 1}.0`;
const PATCH_BUMP = `${MAJOR}.${MINOR}.${PATCH + 1}`;

function edited(...edits: Edit[]): OpenApiDocument {
  const copy = structuredClone(spec);
  for (const edit of edits) edit(copy);
  return copy;
}

const lines = (head: OpenApiDocument) => breakingChanges(spec, head).map((c) => `${c.where}: ${c.what}`);

const removeSessionsList: Edit = (s) => delete s.paths['/v1/users/me/sessions'].get;

describe('breaking changes', () => {
  it('finds none between the spec and itself', () => {
    expect(breakingChanges(spec, edited())).toEqual([]);
  });

  it('counts a changed header example as documentation, not as a change to check by hand', () => {
    const verdict = checkContract(
      spec,
      edited((s) => (s.paths['/v1/users'].post.responses['201'].headers.Location.example = '/v1/users/other')),
    );
    expect(verdict).toMatchObject({ ok: true, breaking: [], unclassified: [] });
  });

  it.each<[string, Edit, string]>([
    ['a removed operation', removeSessionsList, 'GET /v1/users/me/sessions: removed operation'],
    [
      'a removed response property',
      (s) => delete s.components.schemas.User.properties.email,
      'GET /v1/users/me: removed response 200 body .email',
    ],
    [
      'a new required request property',
      (s) => s.components.schemas.UserCreate.required.push('full_name'),
      'POST /v1/users: added request body required: "full_name"',
    ],
    [
      'a new required query parameter',
      (s) => s.paths['/v1/users'].get.parameters.push({ name: 'org', in: 'query', required: true, schema: {} }),
      'GET /v1/users: added query parameter org',
    ],
    [
      'a narrowed request constraint',
      (s) => (s.paths['/v1/users'].get.parameters[0].schema.maximum = 50),
      'GET /v1/users: changed query parameter limit maximum: 100 -> 50',
    ],
    [
      'a request type that no longer takes null',
      (s) => (s.components.schemas.FullName.type = 'string'),
      'POST /v1/users: changed request body .full_name type: ["string","null"] -> "string"',
    ],
    [
      'a removed error response',
      (s) => delete s.paths['/v1/users'].post.responses['409'],
      'POST /v1/users: removed response 409',
    ],
    [
      'a renamed operationId',
      (s) => (s.paths['/healthz'].get.operationId = 'health'),
      'GET /healthz: changed operationId: "getHealth" -> "health"',
    ],
    [
      'a changed response type',
      (s) => (s.components.schemas.TokenResponse.properties.expires_in.type = 'string'),
      'POST /v1/auth/token: changed response 200 body .expires_in type: "integer" -> "string"',
    ],
    [
      'a changed constant',
      (s) => (s.components.schemas.TokenResponse.properties.token_type.const = 'bearer'),
      'POST /v1/auth/token: changed response 200 body .token_type const: "Bearer" -> "bearer"',
    ],
    [
      'a new required request body',
      (s) =>
        (s.paths['/v1/auth/logout'].post.requestBody = {
          required: true,
          content: { 'application/json': { schema: { type: 'object' } } },
        }),
      'POST /v1/auth/logout: added request body',
    ],
    [
      'a public operation that now needs a token',
      (s) => (s.paths['/healthz'].get.security = [{ bearerAuth: [] }]),
      'GET /healthz: added security',
    ],
    [
      'a new permission',
      (s) => s.paths['/v1/users'].get['x-permissions'].push('users:write'),
      'GET /v1/users: added x-permissions: "users:write"',
    ],
    [
      'a member that must now come with another',
      (s) => (s.components.schemas.UserSelfUpdate.dependentRequired.full_name = ['current_password']),
      'PATCH /v1/users/me: added request body dependentRequired/full_name: ["current_password"]',
    ],
    [
      'a new value of an inline enumeration in a response',
      (s) => s.components.schemas.Check.properties.status.enum.push('degraded'),
      'GET /readyz: added response 200 body .checks.database.status enum: "degraded"',
    ],
  ])('flags %s', (_, edit, line) => {
    expect(lines(edited(edit))).toContainEqual(line);
  });

  it.each<[string, Edit]>([
    [
      'a new optional request property',
      (s) => (s.components.schemas.UserCreate.properties.nickname = { type: 'string' }),
    ],
    [
      'a new operation',
      (s) =>
        (s.paths['/v1/things'] = {
          get: {
            operationId: 'listThings',
            tags: ['system'],
            security: [],
            responses: { '204': { description: 'x' } },
          },
        }),
    ],
    ['a new optional query parameter', (s) => s.paths['/v1/users'].get.parameters.push({ name: 'org', in: 'query' })],
    [
      'a response type that no longer has null',
      (s) => (s.components.schemas.User.properties.full_name.type = 'string'),
    ],
    [
      'a request type that now takes null',
      (s) => (s.components.schemas.RefreshRequest.properties.refresh_token.type = ['string', 'null']),
    ],
    ['a new optional request body', (s) => (s.paths['/v1/auth/logout'].post.requestBody = { content: {} })],
    [
      'edited descriptions and a minor version',
      (s) => ((s.info.version = MINOR_BUMP), (s.paths['/healthz'].get.summary = 'Alive?')),
    ],
    // The contract's rules for readers: response objects are open, response enums may grow.
    ['a new response property', (s) => (s.components.schemas.User.properties.nickname = { type: 'string' })],
    ['a new role, which responses carry', (s) => s.components.schemas.Role.enum.push('auditor')],
    ['a response object marked closed', (s) => (s.components.schemas.Session.additionalProperties = false)],
    ['a request body that accepts more', (s) => delete s.components.schemas.TokenRequest.additionalProperties],
    [
      'a member that no longer needs another',
      (s) => delete s.components.schemas.UserSelfUpdate.dependentRequired.email,
    ],
    ['an extension for tools', (s) => (s.components.schemas.User['x-tool'] = { note: 1 })],
    ['a comment', (s) => (s.components.schemas.UserCreate.$comment = 'for maintainers')],
  ])('lets %s through', (_, edit) => {
    const verdict = checkContract(spec, edited(edit));
    expect(verdict).toMatchObject({ ok: true, breaking: [], unclassified: [] });
  });

  it('flags a request body that starts refusing members it accepted', () => {
    const open = edited((s) => delete s.components.schemas.TokenRequest.additionalProperties);
    expect(breakingChanges(open, spec).map((c) => `${c.where}: ${c.what}`)).toEqual([
      'POST /v1/auth/token: added request body additionalProperties: false',
    ]);
  });

  it('holds back a change it cannot classify, as it does a breaking one', () => {
    const dependentSchemas: Edit = (s) =>
      (s.components.schemas.UserCreate.dependentSchemas = { full_name: { required: ['email'] } });
    const verdict = checkContract(spec, edited(dependentSchemas));
    expect(verdict.breaking).toEqual([]);
    expect(verdict.unclassified.map((c) => `${c.where}: ${c.what}`)).toEqual([
      'POST /v1/users: added request body dependentSchemas',
    ]);
    expect(verdict.ok).toBe(false);
    const bumped = edited(dependentSchemas, (s) => (s.info.version = `${MAJOR + 1}.0.0`));
    expect(checkContract(spec, bumped).ok).toBe(true);
  });

  describe('the version', () => {
    const version =
      (v: string): Edit =>
      (s) =>
        (s.info.version = v);

    it('holds a breaking change back on a minor or patch bump', () => {
      for (const v of [MINOR_BUMP, PATCH_BUMP]) {
        const verdict = checkContract(spec, edited(removeSessionsList, version(v)));
        expect(verdict).toMatchObject({
          ok: false,
          majorBumped: false,
          baseVersion: spec.info?.version,
          headVersion: v,
        });
      }
    });

    it('lets a breaking change through on a major bump, still listing it', () => {
      const verdict = checkContract(spec, edited(removeSessionsList, version('1.0.0')));
      expect(verdict).toMatchObject({ ok: true, majorBumped: true, headVersion: '1.0.0' });
      expect(verdict.breaking).toEqual([{ where: 'GET /v1/users/me/sessions', what: 'removed operation' }]);
    });

    it('does not count a major version going down, or one that is not a version', () => {
      const base = edited(version('2.0.0'));
      expect(checkContract(base, edited(removeSessionsList, version('1.0.0'))).ok).toBe(false);
      expect(checkContract(spec, edited(removeSessionsList, version('next'))).ok).toBe(false);
    });
  });
});
