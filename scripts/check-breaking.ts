/**
 * `make breaking`: fails when openapi/ (as in the working tree) breaks clients
 * of the contract at a base commit, unless info.version's major part went up.
 *
 * The base commit, first that applies:
 * 1. `BASE_REF=<ref>` when set;
 * 2. on `main` itself (or a detached HEAD at its tip): HEAD's first parent,
 *    so the gate checks what the last commit or merge changed;
 * 3. elsewhere: the merge-base of HEAD with `main` (or `origin/main`), so a
 *    branch is checked for everything it changed;
 * 4. the last `v*` tag reachable from HEAD;
 * 5. none (first commit, shallow clone, no main and no tag): skipped, saying so.
 *
 * Both sides are bundled by Redocly, then compared by scripts/lib/breaking.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkContract, type Verdict } from './lib/breaking';
import { bundle, checkoutSpec, SPEC } from './lib/spec-at-commit';

const MAIN_REFS = ['main', 'origin/main'];

type Base = { commit: string; why: string } | { skip: string };

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function tryGit(args: string[], cwd: string): string | undefined {
  try {
    return git(args, cwd) || undefined;
  } catch {
    return undefined;
  }
}

const commitOf = (ref: string, repo: string) => tryGit(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], repo);

function chooseBase(repo: string, env: NodeJS.ProcessEnv = process.env): Base {
  if (env.BASE_REF) {
    const commit = commitOf(env.BASE_REF, repo);
    if (!commit) throw new Error(`BASE_REF=${env.BASE_REF} does not name a commit here`);
    return { commit, why: `BASE_REF=${env.BASE_REF}` };
  }
  const head = commitOf('HEAD', repo);
  if (!head) return { skip: 'no commit yet' };
  const mainRef = MAIN_REFS.find((ref) => commitOf(ref, repo));
  if (mainRef) {
    const branch = tryGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], repo);
    const onMain = branch === 'main' || (branch === undefined && head === commitOf(mainRef, repo));
    const base = onMain
      ? { commit: commitOf('HEAD~1', repo), why: 'HEAD~1: on main, the change its last commit made' }
      : { commit: tryGit(['merge-base', 'HEAD', mainRef], repo), why: `merge-base with ${mainRef}` };
    if (base.commit) return { commit: base.commit, why: base.why };
  }
  const tag = tryGit(['describe', '--tags', '--abbrev=0', '--match', 'v*', 'HEAD'], repo);
  if (tag) return { commit: commitOf(tag, repo)!, why: `last tag ${tag}` };
  return {
    skip: mainRef
      ? `nothing before HEAD to compare with on ${mainRef} (first commit or shallow clone) and no v* tag`
      : 'no main branch and no v* tag to compare with',
  };
}

/** Prints the verdict; the exit code. */
function report(verdict: Verdict, label: string): number {
  if (verdict.breaking.length === 0 && verdict.unclassified.length === 0) {
    console.log(`breaking: no breaking change against ${label}`);
    return 0;
  }
  const list = [
    ...verdict.breaking.map((change) => `  ${change.where}: ${change.what}`),
    ...verdict.unclassified.map(
      (change) => `  ${change.where}: ${change.what} (unclassified: teach scripts/lib/breaking.ts what it is)`,
    ),
  ].join('\n');
  const counted = (n: number, what: string) => (n ? [`${n} ${what} change${n === 1 ? '' : 's'}`] : []);
  const kinds = [
    ...counted(verdict.breaking.length, 'breaking'),
    ...counted(verdict.unclassified.length, 'unclassified'),
  ];
  const count = `${kinds.join(' and ')} against ${label}`;
  const versions = `info.version ${verdict.baseVersion} -> ${verdict.headVersion}`;
  if (verdict.majorBumped) {
    console.log(`breaking: ${count}, allowed by the major version bump (${versions}):\n${list}`);
    return 0;
  }
  const major = /^v?(\d+)\./.exec(verdict.baseVersion);
  console.error(`breaking: ${count}:\n${list}`);
  console.error(
    `Keep the old contract (add; do not remove, rename or narrow), or, if clients must change, bump the ` +
      `major part of info.version in ${SPEC} (${versions}${major ? `; e.g. to ${Number(major[1]) + 1}.0.0` : ''}).`,
  );
  return 1;
}

async function main(): Promise<number> {
  const repo = git(['rev-parse', '--show-toplevel'], process.cwd());
  const base = chooseBase(repo);
  if ('skip' in base) {
    console.log(`breaking: skipped, ${base.skip} (set BASE_REF=<ref> to compare with one)`);
    return 0;
  }
  const label = `${base.commit.slice(0, 10)} (${base.why})`;
  const dir = mkdtempSync(join(tmpdir(), 'breaking-'));
  try {
    if (!checkoutSpec(base.commit, repo, join(dir, 'base'))) {
      console.log(`breaking: skipped, ${SPEC} does not exist at ${label}`);
      return 0;
    }
    const [before, after] = await Promise.all([
      bundle(join(dir, 'base', SPEC), join(dir, 'base.json')),
      bundle(join(repo, SPEC), join(dir, 'head.json')),
    ]);
    return report(checkContract(before, after), label);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: Error & { stderr?: Buffer | string }) => {
    console.error(`breaking: ${error.message}${error.stderr ? `\n${error.stderr.toString()}` : ''}`);
    process.exitCode = 2;
  },
);
