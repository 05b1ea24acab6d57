/**
 * The spec as it was at a commit, bundled: what `make breaking` and
 * `make changelog` compare.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { OpenApiDocument } from './breaking';

export const SPEC = 'openapi/openapi.yaml';
const redocly = resolve(__dirname, '..', '..', 'node_modules', '.bin', 'redocly');

/** Bundles a spec file (its `$ref`s to other files inlined) into `out` and reads it. */
export async function bundle(spec: string, out: string): Promise<OpenApiDocument> {
  await promisify(execFile)(redocly, ['bundle', spec, '--output', out]);
  return JSON.parse(readFileSync(out, 'utf8')) as OpenApiDocument;
}

/** openapi/ as it was at `commit`, written under `dir`; false when the spec did not exist then. */
export function checkoutSpec(commit: string, repo: string, dir: string): boolean {
  const git = (args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: 'pipe' });
  const files = git(['ls-tree', '-r', '--name-only', commit, '--', 'openapi/']).trim().split('\n');
  if (!files.includes(SPEC)) return false;
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), execFileSync('git', ['show', `${commit}:${file}`], { cwd: repo }));
  }
  return true;
}
