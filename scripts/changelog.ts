/**
 * `make changelog`: rewrites CHANGELOG.md from the spec's history (see
 * scripts/lib/changelog.ts). A version's section compares the spec at the
 * commit that set it with the spec at the commit that set the version before;
 * "Unreleased" compares openapi/ as in the working tree with the commit that
 * set the current version. History is followed along first parents.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { classifiedChanges, type OpenApiDocument } from './lib/breaking';
import { renderChangelog, type Section } from './lib/changelog';
import { root } from './lib/run';
import { bundle, checkoutSpec, SPEC } from './lib/spec-at-commit';

const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: 'pipe' }).trim();
const versionOf = (yaml: string) => String((parse(yaml) as OpenApiDocument).info?.version ?? '');

/** For each version, newest first, the oldest commit that had it: the one that set it. */
function versionCommits(): { version: string; commit: string }[] {
  const commits = git('log', '--first-parent', '--format=%H', '--', SPEC).split('\n').filter(Boolean);
  const setBy = new Map<string, string>();
  for (const commit of commits) setBy.set(versionOf(git('show', `${commit}:${SPEC}`)), commit);
  return [...setBy].map(([version, commit]) => ({ version, commit }));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'changelog-'));
  const specAt = async (commit: string | null): Promise<OpenApiDocument> => {
    if (commit === null) return bundle(join(root, SPEC), join(dir, 'worktree.json'));
    checkoutSpec(commit, root, join(dir, commit));
    return bundle(join(dir, commit, SPEC), join(dir, `${commit}.json`));
  };
  const label = (version: string, commit: string) => `${version} (${commit.slice(0, 7)})`;
  try {
    const versions = versionCommits();
    const current = versionOf(readFileSync(join(root, SPEC), 'utf8'));
    const sections: Section[] = [];
    const latest = versions[0];
    if (latest) {
      const [before, after] = await Promise.all([specAt(latest.commit), specAt(null)]);
      const changes = classifiedChanges(before, after);
      // A working tree that sets a new version is that version's section, not "Unreleased".
      const title = current === latest.version ? 'Unreleased' : current;
      if (changes.length || title !== 'Unreleased') {
        sections.push({ title, base: label(latest.version, latest.commit), changes });
      }
    }
    for (const [i, { version, commit }] of versions.entries()) {
      const older = versions[i + 1];
      if (!older) {
        sections.push({ title: version, base: null, changes: [] });
        continue;
      }
      const [before, after] = await Promise.all([specAt(older.commit), specAt(commit)]);
      sections.push({
        title: version,
        base: label(older.version, older.commit),
        changes: classifiedChanges(before, after),
      });
    }
    writeFileSync(join(root, 'CHANGELOG.md'), renderChangelog(sections));
    console.log(`changelog: CHANGELOG.md, ${sections.map((s) => s.title).join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`changelog: ${error.message}`);
  process.exitCode = 1;
});
