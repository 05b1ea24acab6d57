/** Finds the generated stubs (see stubs.ts) left in a checkout, for scripts/check-stubs.ts. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const STUB_MARKER = 'gatehouse:stub';
/** The marker as it is written: `// gatehouse:stub <operationId>`. */
const STUB_PATTERN = /\/\/ gatehouse:stub (\w+)/g;

export interface Stub {
  operationId: string;
  /** file:line, relative to the project root. */
  where: string;
}

/**
 * The stubs left in `root`/src that are not allowed: by scripts/allowed-stubs.json (operationId ->
 * why, committed and reviewed) or by `allowEnv` (ALLOW_STUBS: comma-separated operationIds, or `*`).
 */
export function refusedStubs(root: string, allowEnv = ''): { found: Stub[]; refused: Stub[] } {
  const allowedFile = join(root, 'scripts', 'allowed-stubs.json');
  const allowed = new Set(Object.keys(JSON.parse(readFileSync(allowedFile, 'utf8')) as object));
  const fromEnv = allowEnv.split(',').map((id) => id.trim());
  const found: Stub[] = [];
  for (const entry of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        for (const [, id] of line.matchAll(STUB_PATTERN)) {
          found.push({ operationId: id!, where: `${relative(root, file)}:${i + 1}` });
        }
      });
  }
  const ok = (id: string) => allowed.has(id) || fromEnv.includes(id) || fromEnv.includes('*');
  return { found, refused: found.filter((stub) => !ok(stub.operationId)) };
}
