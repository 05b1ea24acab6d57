/**
 * `make sdk LANG=<name>`: a client SDK from generated/openapi.json into
 * dist/sdk/<name>/, which git ignores. A name with a folder under sdk/ (java,
 * python) uses its `config.yaml`: the generator (`generatorName`) and the
 * options that give the client its package names and make it fit this API
 * (see sdk/README.md). Any other name is an openapi-generator generator used as
 * it comes (`go`, `csharp`, ...; an unknown name prints the list). The client's
 * version is the spec's `info.version`. Arguments after the name go to
 * openapi-generator as they are.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generateClient } from './lib/openapi-generator';
import { root } from './lib/run';

const [name, ...options] = process.argv.slice(2);
if (!name || !/^[a-z0-9][a-z0-9-]*$/.test(name)) {
  console.error('usage: make sdk LANG=<name> [SDK_ARGS=...], e.g. LANG=java, LANG=python, or any generator name');
  process.exit(2);
}
const spec = 'generated/openapi.json';
const { version } = (JSON.parse(readFileSync(join(root, spec), 'utf8')) as { info: { version: string } }).info;
const config = join('sdk', name, 'config.yaml');
const configured = existsSync(join(root, config));
const generator = configured
  ? String((parse(readFileSync(join(root, config), 'utf8')) as { generatorName: string }).generatorName)
  : name;
const output = `dist/sdk/${name}`;
generateClient(generator, spec, output, [
  ...(configured ? ['-c', config] : []),
  // Each generator reads the key it knows; the others are ignored.
  `--additional-properties=artifactVersion=${version},packageVersion=${version},npmVersion=${version}`,
  ...options,
]);
console.log(`${output}: ${generator} client SDK, version ${version}${configured ? ` (${config})` : ''}`);
