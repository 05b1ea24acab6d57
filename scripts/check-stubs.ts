/**
 * `make check` fails on a generated stub (see lib/stubs.ts) still in src/, listing each, unless it
 * is allowed: by scripts/allowed-stubs.json (operationId -> why, committed and reviewed) or, while
 * working on a branch, by ALLOW_STUBS (comma-separated operationIds, or `*`).
 * `--root <dir>` checks another checkout.
 */
import { root as here } from './lib/run';
import { refusedStubs } from './lib/stub-check';

const args = process.argv.slice(2);
const rootArg = args.indexOf('--root');
const root = rootArg >= 0 && args[rootArg + 1] ? args[rootArg + 1]! : here;

const { found, refused } = refusedStubs(root, process.env.ALLOW_STUBS);
if (refused.length > 0) {
  console.error(`stubs: ${refused.length} operation(s) still answer 501 (fill them in, or allow them):`);
  for (const { operationId, where } of refused) console.error(`  ${operationId} (${where})`);
  console.error('  allow one in scripts/allowed-stubs.json ("operationId": "why"), or ALLOW_STUBS=<ids|*> on a branch');
  process.exit(1);
}
console.log(`stubs: none left${found.length ? ` but the ${found.length} allowed` : ''}`);
