/**
 * Stubs, generated once (scripts/lib/stubs.ts), on a scratch copy of the project: a spec with an
 * operation added to the users tag and one under a new tag is generated, type-checked and called
 * (501 naming the operationId); `make check`'s stub check refuses what is left; a stub filled in by
 * hand survives regeneration byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { parse, stringify } from 'yaml';
import { refusedStubs, type Stub } from '../../scripts/lib/stub-check';

const root = resolve(__dirname, '../..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
let project: string;

// Bundling, generating and type-checking the scratch copy: half a minute on a busy machine.
jest.setTimeout(120_000);

function tool(cmd: string, args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}
const generate = () => tool(bin('tsx'), [join(root, 'scripts', 'generate.ts'), '--root', project]);
const checkStubs = (env: Record<string, string> = {}) =>
  tool(bin('tsx'), [join(root, 'scripts', 'check-stubs.ts'), '--root', project], env);
const read = (rel: string) => readFileSync(join(project, rel), 'utf8');

/** Every file under src/, by path, to compare before and after a regeneration. */
function snapshot(): Record<string, string> {
  const files = readdirSync(join(project, 'src'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return Object.fromEntries(
    files.map((e) => [join(e.parentPath, e.name), readFileSync(join(e.parentPath, e.name), 'utf8')]),
  );
}

const jsonResponse = (schema: object) => ({
  description: 'ok',
  content: { 'application/json': { schema } },
});

const errors = {
  '400': { $ref: '#/components/responses/BadRequest' },
  '500': { $ref: '#/components/responses/InternalError' },
};

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'stubs-e2e-'));
  for (const part of [
    'openapi',
    'src',
    'test/support',
    'scripts/allowed-stubs.json',
    'tsconfig.json',
    '.prettierrc.json',
  ]) {
    cpSync(join(root, part), join(project, part), { recursive: true });
  }
  mkdirSync(join(project, 'generated'));
  for (const file of ['openapi.json', 'schema.ts', 'operations.ts']) {
    cpSync(join(root, 'generated', file), join(project, 'generated', file));
  }
  symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'), 'dir');
  writeFileSync(
    join(project, 'tsconfig.stubs.json'),
    JSON.stringify({ extends: './tsconfig.json', include: ['src', 'generated'], exclude: ['generated/sdk'] }),
  );

  const specFile = join(project, 'openapi', 'openapi.yaml');
  const spec = parse(readFileSync(specFile, 'utf8'));
  spec.paths['/v1/users/me/stats'] = {
    get: {
      operationId: 'getMyStats',
      tags: ['users'],
      summary: 'Counts about the caller',
      security: [],
      responses: { '200': jsonResponse({ type: 'object', properties: { count: { type: 'integer' } } }), ...errors },
    },
  };
  spec.paths['/v1/widgets'] = {
    get: {
      operationId: 'listWidgets',
      tags: ['widgets'],
      summary: 'List widgets',
      security: [],
      responses: { '200': jsonResponse({ type: 'array', items: { type: 'string' } }), ...errors },
    },
  };
  spec.tags?.push({ name: 'widgets', description: 'Widgets' });
  writeFileSync(specFile, stringify(spec));
});

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('make generate: stubs', () => {
  let before: Record<string, string>;

  it('writes a stub into the tag routes class, and a new routes class registered in app.ts for a new tag', () => {
    before = snapshot();
    const { status, output } = generate();
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('stubs: ') });
    expect(output).toContain('stubs: src/api/routes/users.routes.ts: getMyStats');
    expect(output).toContain('stubs: src/api/routes/widgets.routes.ts: listWidgets');

    const users = read('src/api/routes/users.routes.ts');
    expect(users).toContain('// gatehouse:stub getMyStats');
    expect(users).toContain("throw new NotImplementedError('getMyStats');");
    // What was there is still there, unchanged: the stub is only added.
    const original = before[join(project, 'src/api/routes/users.routes.ts')]!;
    const withoutStub = users
      .replace(/\n\n {2}\/\/ gatehouse:stub getMyStats[\s\S]*?\n {2}}\n/, '\n')
      .replace(', NotImplementedError', '')
      .replace(/\nimport \{ NotImplementedError \} from '[^']+';/, '')
      .replace(', type Results', '')
      .replace(', Results', '');
    expect(withoutStub).toBe(original);

    expect(read('src/api/routes/widgets.routes.ts')).toContain(
      'export class WidgetsRoutes implements WidgetsHandlers<RequestCtx, Principal>',
    );
    const app = read('src/app.ts');
    expect(app).toContain("import { WidgetsRoutes } from './api/routes/widgets.routes';");
    expect(app).toContain('widgets: container.resolve(WidgetsRoutes),');
  });

  it('compiles, passes prettier, and answers 501 problem+json naming the operationId', async () => {
    const tsc = tool(bin('tsc'), ['--noEmit', '-p', join(project, 'tsconfig.stubs.json')]);
    expect(tsc).toEqual({ status: 0, output: '' });
    const touched = ['src/app.ts', 'src/api/routes/users.routes.ts', 'src/api/routes/widgets.routes.ts'];
    const prettier = tool(bin('prettier'), ['--check', ...touched.map((file) => join(project, file))]);
    expect(prettier.status).toBe(0);

    // The scratch copy's own app, with the stubs bound (jest transforms it like the real one).
    const { startTestApp } = (await import(join(project, 'test/support/app'))) as typeof import('../support/app');
    const testApp = await startTestApp();
    try {
      for (const [path, operationId] of [
        ['/v1/widgets', 'listWidgets'],
        ['/v1/users/me/stats', 'getMyStats'],
      ] as const) {
        const res = await request(testApp.app).get(path);
        expect(res.status).toBe(501);
        expect(res.type).toBe('application/problem+json');
        expect(res.body).toMatchObject({
          type: 'urn:gatehouse:problem:not_implemented',
          status: 501,
          operation_id: operationId,
          detail: `The operation ${operationId} is not implemented yet.`,
        });
      }
    } finally {
      await testApp.close();
    }
    // The contract checks of the test suite refuse the 501 a stub answers: no stub passes for done.
    const { violations } = (await import(
      join(project, 'test/support/contract')
    )) as typeof import('../support/contract');
    expect(violations.splice(0)).toEqual([
      'listWidgets (GET /v1/widgets) -> 501: status not documented',
      'getMyStats (GET /v1/users/me/stats) -> 501: status not documented',
    ]);
  });

  it('make check fails listing the stubs left, unless they are allowed', () => {
    const refused = checkStubs();
    expect(refused.status).toBe(1);
    expect(refused.output).toContain('stubs: 2 operation(s) still answer 501');
    expect(refused.output).toMatch(/ {2}getMyStats \(src\/api\/routes\/users\.routes\.ts:\d+\)/);
    expect(refused.output).toMatch(/ {2}listWidgets \(src\/api\/routes\/widgets\.routes\.ts:\d+\)/);

    const ids = (stubs: Stub[]) => stubs.map((stub) => stub.operationId);
    expect(ids(refusedStubs(project, 'listWidgets').refused)).toEqual(['getMyStats']);
    expect(ids(refusedStubs(project, 'getMyStats, listWidgets').refused)).toEqual([]);
    expect(ids(refusedStubs(project, '*').refused)).toEqual([]);
    writeFileSync(join(project, 'scripts', 'allowed-stubs.json'), JSON.stringify({ getMyStats: 'lands next week' }));
    expect(ids(refusedStubs(project).refused)).toEqual(['listWidgets']);
  });

  it('leaves a stub filled in by hand, and every hand-written file, byte for byte as they are', () => {
    const file = join(project, 'src/api/routes/users.routes.ts');
    const filled = readFileSync(file, 'utf8')
      .replace(/ {2}\/\/ gatehouse:stub getMyStats.*\n/, '')
      .replace("throw new NotImplementedError('getMyStats');", 'return { status: 200, body: { count: 0 } } as const;');
    writeFileSync(file, filled);
    const mine = snapshot();

    const { status, output } = generate();
    expect(status).toBe(0);
    expect(output).not.toContain('stubs: ');
    expect(snapshot()).toEqual(mine);
  });
});
