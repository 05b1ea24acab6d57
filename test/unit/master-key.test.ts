import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config';
import { createLogger } from '../../src/core/logging';
import { resolveMasterKey } from '../../src/core/master-key';
import { StartupError } from '../../src/core/startup';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-key-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const logger = createLogger('silent');
const resolve = () => resolveMasterKey(loadConfig({ DATA_DIR: dir }), logger);

describe('the development key in DATA_DIR', () => {
  it('is made on first start and used from then on', () => {
    const made = resolve();
    expect(made).toHaveLength(32);
    expect(resolve()).toEqual(made);
  });

  it('is refused, and left in place, when it is weak: the stored signing keys are sealed under it', () => {
    const weak = `${Buffer.alloc(32).toString('base64')}\n`;
    writeFileSync(join(dir, 'master.key'), weak);
    expect(resolve).toThrow(StartupError);
    expect(resolve).toThrow(/master\.key is not a usable key: .*Delete it .*openssl rand -base64 32/);
    expect(readFileSync(join(dir, 'master.key'), 'utf8')).toBe(weak);
  });
});
