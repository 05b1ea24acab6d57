import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_SETTINGS, SETTING_NAMES } from '../../src/core/config';

const read = (file: string) => readFileSync(join(__dirname, '..', '..', file), 'utf8');

describe('settings documentation', () => {
  it.each(SETTING_NAMES)('.env.example and the README document %s', (name) => {
    expect(read('.env.example')).toMatch(new RegExp(`^(# )?${name}=`, 'm'));
    expect(read('README.md')).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
  });

  const SECRET_FILES = SECRET_SETTINGS.map((name) => `${name}_FILE`);

  it.each(SECRET_FILES)('.env.example and the README document %s', (name) => {
    expect(read('.env.example')).toMatch(new RegExp(`^# ${name}=`, 'm'));
    expect(read('README.md')).toContain(`\`${name}\``);
  });

  it('.env.example documents nothing that is not a setting', () => {
    const documented = [...read('.env.example').matchAll(/^(?:# )?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...SETTING_NAMES, ...SECRET_FILES].sort());
  });
});
