import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config';
import type { Logger } from './logging';
import { StartupError } from './startup';

export const MASTER_KEY_BYTES = 32;
export const MAKE_MASTER_KEY = 'make one with `openssl rand -base64 32`';
/** Fewer distinct values than this in 32 random bytes: about 2 in 10^15 (it would take a repeat of 16 bytes or less). */
const MIN_DISTINCT_BYTES = 17;

/**
 * Why a MASTER_KEY text is not a key, or undefined when it is one: the base64 of exactly 32 bytes
 * (standard and padded, as `openssl rand -base64 32` prints it, or base64url unpadded) that look
 * random. The checks are meant to catch what people type instead of a key, at odds far below one
 * in a billion of refusing real random bytes (test/unit/config.test.ts tries thousands):
 * - not base64 of 32 bytes, or not canonical (re-encoding the bytes must give back the text);
 * - fewer than 17 distinct byte values: zeros, one byte repeated, a word or pattern repeated;
 * - every byte printable ASCII: a passphrase that was base64-encoded (odds 2 in 10^14);
 * - no upper-case or no lower-case letter in the text: a passphrase read as base64 (4 in 10^10).
 * It cannot tell every chosen key from a random one; it refuses the usual ones.
 */
export function masterKeyProblem(text: string): string | undefined {
  const bytes = Buffer.from(text, 'base64');
  const canonical = bytes.toString('base64') === text || bytes.toString('base64url') === text;
  if (!canonical || bytes.length !== MASTER_KEY_BYTES) return 'is not the base64 of exactly 32 bytes';
  if (new Set(bytes).size < MIN_DISTINCT_BYTES) return 'is too regular to be random (repeated bytes or a pattern)';
  if (bytes.every((b) => b >= 0x20 && b < 0x7f)) return 'decodes to text (a passphrase?)';
  if (!/[A-Z]/.test(text) || !/[a-z]/.test(text)) return 'reads as a passphrase, not random base64';
  return undefined;
}

/**
 * MASTER_KEY, or outside production a development key kept in DATA_DIR (made
 * on first start), so that restarts can still decrypt the signing keys.
 * Production without MASTER_KEY never gets here: loadConfig refuses it.
 */
export function resolveMasterKey(config: Pick<Config, 'env' | 'auth' | 'database'>, logger: Logger): Buffer {
  if (config.auth.masterKey) return config.auth.masterKey;
  if (config.env === 'production') throw new Error('MASTER_KEY is required in production');
  const file = join(config.database.dataDir, 'master.key');
  const text = readKeyFile(file);
  if (text !== undefined) {
    // Refused rather than replaced: the signing keys in the database are sealed under it.
    const problem = masterKeyProblem(text);
    if (problem) {
      throw new StartupError(
        `${file} is not a usable key: this value ${problem}. Delete it to have a new one made, or set MASTER_KEY (${MAKE_MASTER_KEY})`,
        'MASTER_KEY',
      );
    }
    logger.warn('MASTER_KEY is not set: using the development key in DATA_DIR', { file });
    return Buffer.from(text, 'base64');
  }
  const key = randomBytes(MASTER_KEY_BYTES);
  mkdirSync(config.database.dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600 });
  logger.warn('MASTER_KEY is not set: generated a development key and stored it in DATA_DIR', { file });
  return key;
}

/** The development key file's text, or undefined when there is none yet. */
function readKeyFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
