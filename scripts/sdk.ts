/**
 * `make sdk LANG=<generator>`: a client SDK in any language openapi-generator
 * supports (`python`, `go`, `java`, ...; an unknown name prints the list),
 * from generated/openapi.json into dist/sdk/<generator>/, which git ignores.
 * Arguments after the generator name go to openapi-generator as they are.
 */
import { generateClient } from './lib/openapi-generator';

const [generator, ...options] = process.argv.slice(2);
if (!generator || !/^[a-z0-9][a-z0-9-]*$/.test(generator)) {
  console.error(
    'usage: make sdk LANG=<generator> [SDK_ARGS=...], e.g. LANG=python (any openapi-generator generator name)',
  );
  process.exit(2);
}
const output = `dist/sdk/${generator}`;
generateClient(generator, 'generated/openapi.json', output, options);
console.log(`${output}: ${generator} client SDK`);
