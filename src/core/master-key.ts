import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config';
import type { Logger } from './logging';

/**
 * MASTER_KEY, or outside production a development key kept in DATA_DIR (made
 * on first start), so that restarts can still decrypt the signing keys.
 * Production without MASTER_KEY never gets here: loadConfig refuses it.
 */
export function resolveMasterKey(config: Pick<Config, 'env' | 'auth' | 'database'>, logger: Logger): Buffer {
  if (config.auth.masterKey) return config.auth.masterKey;
  if (config.env === 'production') throw new Error('MASTER_KEY is required in production');
  const file = join(config.database.dataDir, 'master.key');
  try {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length >= 32) {
      logger.warn('MASTER_KEY is not set: using the development key in DATA_DIR', { file });
      return key;
    }
  } catch {
    // none yet
  }
  const key = randomBytes(32);
  mkdirSync(config.database.dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600 });
  logger.warn('MASTER_KEY is not set: generated a development key and stored it in DATA_DIR', { file });
  return key;
}
