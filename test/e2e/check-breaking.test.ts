/**
 * `make breaking` as a developer and CI run it: scripts/check-breaking.ts in a
 * scratch git repository holding the real spec, on a branch and on main.
 * What counts as breaking, and the major version bump, are in
 * test/unit/breaking-change.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

const root = resolve(__dirname, '../..');
let repo: string;

// Each run bundles two specs with Redocly: a few seconds on a busy machine.
jest.setTimeout(60_000);

const git = (...args: string[]) =>
  execFileSync(
    'git',
    ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args],
    {
      cwd: repo,
      stdio: 'pipe',
    },
  );

function check(env: Record<string, string> = {}) {
  const run = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'scripts', 'check-breaking.ts')], {
    cwd: repo,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { status: run.status, output: run.stdout + run.stderr };
}

function editSpec(edit: (spec: { paths: Record<string, unknown> }) => void) {
  const file = join(repo, 'openapi', 'openapi.yaml');
  const spec = parse(readFileSync(file, 'utf8'));
  edit(spec);
  writeFileSync(file, stringify(spec));
}

const removeSessionsList = () => editSpec((spec) => delete spec.paths['/v1/users/me/sessions']);

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'breaking-e2e-'));
  cpSync(join(root, 'openapi'), join(repo, 'openapi'), { recursive: true });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'spec');
});

afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe('scripts/check-breaking.ts', () => {
  it('skips, saying why, on the first commit of main with no tag', () => {
    expect(check()).toEqual({ status: 0, output: expect.stringMatching(/^breaking: skipped, nothing before HEAD/) });
  });

  it('fails on a branch whose working tree removes an operation, naming it', () => {
    git('checkout', '-q', '-b', 'feature');
    removeSessionsList();
    const { status, output } = check();
    expect(status).toBe(1);
    expect(output).toMatch(/breaking: 1 breaking change against \w+ \(merge-base with main\):/);
    expect(output).toContain('  GET /v1/users/me/sessions: removed operation');
  });

  it("on main, checks what the last commit changed against HEAD's first parent", () => {
    removeSessionsList();
    git('commit', '-q', '-am', 'remove an operation');
    const { status, output } = check();
    expect(status).toBe(1);
    expect(output).toContain('(HEAD~1: on main');
    expect(check({ BASE_REF: 'HEAD' })).toEqual({ status: 0, output: expect.stringContaining('no breaking change') });
  });

  it('compares with the last v* tag when there is no main', () => {
    git('branch', '-m', 'trunk');
    git('tag', 'v0.1.0');
    removeSessionsList();
    git('commit', '-q', '-am', 'remove an operation');
    expect(check()).toEqual({ status: 1, output: expect.stringContaining('(last tag v0.1.0)') });
  });

  it('refuses a BASE_REF that names no commit', () => {
    expect(check({ BASE_REF: 'no-such-ref' })).toEqual({
      status: 2,
      output: expect.stringContaining('BASE_REF=no-such-ref does not name a commit'),
    });
  });
});
