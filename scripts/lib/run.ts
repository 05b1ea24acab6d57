import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const root = resolve(__dirname, '..', '..');

/** Runs an installed npm binary from the repository root; on failure prints its output and exits. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  try {
    execFileSync(join(root, 'node_modules', '.bin', cmd), args, {
      cwd: root,
      env,
      stdio: 'pipe',
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: Buffer; stdout?: Buffer };
    process.stderr.write(`${cmd} failed:\n${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`);
    process.exit(1);
  }
}
