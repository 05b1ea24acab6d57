/**
 * Preloaded into a server process (`--require`, through NODE_OPTIONS): when the
 * process exits, writes the file name of every module it loaded, one a line,
 * to `<pid>.modules` in the directory that GATEHOUSE_LOADED_MODULES_DIR names
 * (one file per process: a cluster's primary and each of its workers).
 */
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const directory = process.env.GATEHOUSE_LOADED_MODULES_DIR;
if (directory) {
  process.on('exit', () =>
    writeFileSync(join(directory, `${process.pid}.modules`), Object.keys(require.cache).join('\n')),
  );
}
