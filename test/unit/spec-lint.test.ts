/**
 * The spec lint rules of redocly.yaml, run by the real `redocly lint` with the
 * project's config: the spec passes, and a copy of it broken in one place per
 * rule fails with that rule at that place. One redocly process lints both.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

const root = join(__dirname, '..', '..');
const specPath = join(root, 'openapi', 'openapi.yaml');

interface Problem {
  ruleId: string;
  location: { source: { ref: string }; pointer: string }[];
}

/* eslint-disable @typescript-eslint/no-explicit-any -- editing a parsed YAML document */
function breakEachRule(spec: any): void {
  const paths = spec.paths;
  const problem = (schema: object) => ({ description: 'x', content: { 'application/problem+json': { schema } } });
  delete paths['/healthz'].get.operationId;
  delete paths['/readyz'].get.summary;
  delete paths['/docs'].get.tags;
  delete paths['/v1/auth/logout'].post.responses['400'];
  delete paths['/v1/auth/logout'].post.responses['401'];
  delete paths['/v1/auth/logout'].post.responses['429'];
  for (const status of ['500', '503']) delete paths['/v1/users/me'].get.responses[status];
  paths['/v1/users/me/sessions'].get.responses['401'] = {
    description: 'x',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
  paths['/v1/users/me/sessions/{session_id}'].delete.responses['404'] = problem({
    $ref: '#/components/schemas/ProblemError',
  });
  delete spec.components.responses.PayloadTooLarge.content;
  spec.components.responses.Conflict = problem({ type: 'object', properties: { title: { type: 'string' } } });
  // A root default does not count: each operation declares its own.
  spec.security = [{ bearerAuth: [] }];
  delete paths['/.well-known/jwks.json'].get.security;
  spec.components.schemas.Session.properties.lastSeen = { type: 'string' };
  paths['/openapi.json'].get.responses['200'].content['application/json'].schema.properties = {
    OpenAPI: { type: 'string' },
  };
  spec.components.schemas.Username.examples = ['a'];
  paths['/v1/users'].post.requestBody.content['application/json'].example = {
    username: 'ada',
    email: 'ada@example.com',
    password: 'too short',
  };
  paths['/v1/users'].get.parameters[0].example = 500;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const op = (path: string, method: string) => `#/paths/${path.replaceAll('/', '~1')}/${method}`;

const expected: [rule: string, pointer: string][] = [
  ['operation-operationId', `${op('/healthz', 'get')}/operationId`],
  ['operation-summary', `${op('/readyz', 'get')}/summary`],
  ['rule/operation-tag', `${op('/docs', 'get')}/tags`],
  ['operation-4xx-response', `${op('/v1/auth/logout', 'post')}/responses`],
  ['gatehouse/operation-5xx-response', `${op('/v1/users/me', 'get')}/responses`],
  ['gatehouse/problem-responses', `${op('/v1/users/me/sessions', 'get')}/responses/401/content`],
  ['gatehouse/problem-responses', `${op('/v1/users/me/sessions', 'get')}/responses/401/content/application~1json`],
  [
    'gatehouse/problem-responses',
    `${op('/v1/users/me/sessions/{session_id}', 'delete')}/responses/404/content/application~1problem+json/schema`,
  ],
  ['gatehouse/problem-responses', '#/components/responses/PayloadTooLarge'],
  ['gatehouse/problem-responses', '#/components/responses/Conflict/content/application~1problem+json/schema'],
  ['rule/operation-security', `${op('/.well-known/jwks.json', 'get')}/security`],
  ['rule/property-snake-case', '#/components/schemas/Session/properties/lastSeen'],
  [
    'rule/property-snake-case',
    `${op('/openapi.json', 'get')}/responses/200/content/application~1json/schema/properties/OpenAPI`,
  ],
  ['no-invalid-schema-examples', '#/components/schemas/Username/examples/0'],
  [
    'no-invalid-media-type-examples',
    `${op('/v1/users', 'post')}/requestBody/content/application~1json/example/password`,
  ],
  ['no-invalid-parameter-examples', `${op('/v1/users', 'get')}/parameters/0/example`],
];

describe('spec lint (redocly lint with redocly.yaml)', () => {
  let problems: Map<string, [string, string][]>;

  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'spec-lint-'));
    try {
      const broken = parse(readFileSync(specPath, 'utf8'));
      breakEachRule(broken);
      const brokenPath = join(dir, 'broken.yaml');
      writeFileSync(brokenPath, stringify(broken));
      const run = spawnSync(
        join(root, 'node_modules', '.bin', 'redocly'),
        ['lint', specPath, brokenPath, '--config', join(root, 'redocly.yaml'), '--format', 'json'],
        { cwd: root, encoding: 'utf8' },
      );
      expect(run.error).toBeUndefined();
      // One JSON report per file, printed back to back.
      const reports = JSON.parse(`[${run.stdout.replace(/^\}\{$/gm, '},{')}]`) as { problems: Problem[] }[];
      expect(reports).toHaveLength(2);
      problems = new Map([
        ['spec', []],
        ['broken', []],
      ]);
      for (const p of reports.flatMap((r) => r.problems)) {
        const at = p.location[0]!;
        problems.get(at.source.ref.endsWith('broken.yaml') ? 'broken' : 'spec')!.push([p.ruleId, at.pointer]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('passes the real spec', () => {
    expect(problems.get('spec')).toEqual([]);
  });

  it.each(expected)('%s fires at %s', (rule, pointer) => {
    expect(problems.get('broken')).toContainEqual([rule, pointer]);
  });

  it('finds nothing else in the broken copy', () => {
    const known = new Set(expected.map(([rule, pointer]) => `${rule} ${pointer}`));
    // Removing the tags also breaks the built-in "tags are declared" rule.
    known.add(`operation-tag-defined ${op('/docs', 'get')}`);
    expect(problems.get('broken')!.filter(([rule, pointer]) => !known.has(`${rule} ${pointer}`))).toEqual([]);
  });
});
