/**
 * Client SDKs from the bundled spec with openapi-generator, the version pinned
 * in openapitools.json, run through its npm wrapper. The JAR is put in place
 * and checksum-verified by scripts/fetch-openapi-generator.sh first, so the
 * wrapper never downloads anything itself.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { root, run } from './run';

const MIN_JAVA = 17;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function requireJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const found = /version "(?:1\.)?(\d+)/.exec(probe.stderr ?? '')?.[1];
  if (probe.error || !found || Number(found) < MIN_JAVA) {
    fail(
      `Java ${MIN_JAVA}+ is needed to generate the client SDK (openapi-generator), ` +
        `but ${found ? `\`java\` is version ${found}` : '`java` was not found on PATH'}. ` +
        'Install a JDK 17 or newer; only SDK generation needs it, not `make test`.',
    );
  }
}

function fetchJar(): void {
  try {
    execFileSync(join(root, 'scripts', 'fetch-openapi-generator.sh'), { cwd: root, stdio: 'inherit' });
  } catch {
    process.exit(1);
  }
}

/** Writes the `generator` client for `spec` into `output`, replacing whatever was there. */
export function generateClient(generator: string, spec: string, output: string, options: string[] = []): void {
  requireJava();
  fetchJar();
  // Start from nothing, so files of a removed operation or model disappear.
  rmSync(output, { recursive: true, force: true });
  const config = join(root, 'openapitools.json');
  // The wrapper resolves storageDir against $PWD; UTF-8 whatever the locale.
  const env = { ...process.env, PWD: root, JAVA_OPTS: `${process.env.JAVA_OPTS ?? ''} -Dfile.encoding=UTF-8`.trim() };
  const args = ['--openapitools', config, 'generate', '-g', generator, '-i', spec, '-o', output, ...options];
  run('openapi-generator-cli', args, env);
}
