/** What a deployment's environment must be: settings loadConfig knows and accepts, secrets as files. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, SECRET_SETTINGS, SETTING_NAMES } from '../../../src/core/config';

/** Valid stand-ins for the secrets a deployment reads from files. */
const STAND_INS: Record<(typeof SECRET_SETTINGS)[number], string> = {
  DATABASE_URL: 'postgresql://gatehouse@postgres/gatehouse',
  MASTER_KEY: 'SnxxEQYnf0dUtqQh7uIdQ0z+PDfBZmgRfbNKsZRL0Nw=',
  ADMIN_PASSWORD: 'a stand-in password',
  METRICS_TOKEN: 'a-stand-in-metrics-token',
  REDIS_URL: 'redis://redis:6379',
};

/**
 * Every variable is a setting or a secret's *_FILE, no secret is given inline, and loadConfig
 * accepts the whole (each *_FILE standing for a valid secret).
 */
export function checkSettings(where: string, env: Record<string, string>): string[] {
  const problems: string[] = [];
  const files = new Map(SECRET_SETTINGS.map((name) => [`${name}_FILE`, name]));
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const secret = files.get(name);
    if (secret) values[secret] = STAND_INS[secret];
    else if ((SECRET_SETTINGS as readonly string[]).includes(name))
      problems.push(`${where}: ${name} given inline: use ${name}_FILE`);
    else if (!(SETTING_NAMES as string[]).includes(name)) problems.push(`${where}: ${name} is not a setting`);
    else values[name] = value;
  }
  try {
    loadConfig(values);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems.map((p) => `${where}: ${p}`));
  }
  return problems;
}

/** The spec's GET operations: path -> operationId. */
export function specGetOperations(): Record<string, string> {
  const spec = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'generated', 'openapi.json'), 'utf8')) as {
    paths: Record<string, { get?: { operationId?: string } }>;
  };
  return Object.fromEntries(
    Object.entries(spec.paths).flatMap(([path, item]) => (item.get?.operationId ? [[path, item.get.operationId]] : [])),
  );
}
