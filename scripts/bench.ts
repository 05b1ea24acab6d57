/**
 * `make bench`: what Gatehouse costs against the limit of the machine.
 *
 * 1. paths: the compiled service in production mode on real PostgreSQL, path
 *    by path, against a bare node:http + pg peer doing one prepared
 *    primary-key SELECT (scripts/bench/bare-peer.js); login against the raw
 *    argon2id verify rate; one worker against two. See scripts/bench/paths.ts.
 * 2. limits: what the rate limits cost (none, in memory, in Redis). See
 *    scripts/bench/limits.ts.
 * 3. tracing, only when asked (BENCH_ONLY=tracing): what tracing costs. See
 *    scripts/bench/tracing.ts.
 *
 * BENCH_ONLY=paths|limits|tracing runs one section. Each runs in a scratch database on
 * DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432/postgres),
 * dropped at the end. Other knobs: scripts/bench/settings.ts. The exit status
 * is non-zero when any request failed (the figures are then meaningless);
 * missing a target is reported, not failed: these are measurements, not tests.
 */
import { createScratchDatabase, type ScratchDatabase } from './bench/database';
import { benchLimits } from './bench/limits';
import { benchPaths } from './bench/paths';
import { killAllNow, stopAll } from './bench/processes';
import { machineLine, reportPaths } from './bench/report';
import { settings } from './bench/settings';
import { benchTracing } from './bench/tracing';

let database: ScratchDatabase | undefined;

async function main(): Promise<void> {
  if (!['', 'paths', 'limits', 'tracing'].includes(settings.only)) {
    throw new Error('BENCH_ONLY must be paths, limits or tracing');
  }
  database = await createScratchDatabase(settings.databaseUrl);
  const machine = machineLine(database.version);
  console.log(machine);
  let valid = true;
  try {
    if (settings.only === 'tracing') {
      valid = await benchTracing(database.url);
    } else if (settings.only !== 'limits') {
      const run = await benchPaths(database.url);
      console.log(`\n${machine}`);
      valid = reportPaths(run) && valid;
    }
    if (settings.only === '' || settings.only === 'limits') valid = (await benchLimits(database.url)) && valid;
  } finally {
    await cleanUp();
  }
  if (!valid) process.exitCode = 1;
}

/** Stops every server and drops the scratch database, once, however many times it is asked. */
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= stopAll().then(() => database?.drop());
  return cleaning;
}

// A terminal's Ctrl-C reaches npx, tsx and this process alike, and tsx passes it on again: answer the first only.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping the servers and dropping the scratch database`);
    cleanUp().finally(() => process.exit(130));
  });
}
// An error nothing awaits (a closed stdout pipe, say) would otherwise leave the scratch database behind.
process.once('uncaughtException', (error) => {
  // A broken pipe fails every later write too, this handler's own included: ignore the echoes.
  process.on('uncaughtException', () => undefined);
  if ((error as NodeJS.ErrnoException).code !== 'EPIPE') console.error(error);
  cleanUp().finally(() => process.exit(1));
});
process.on('exit', killAllNow);

main().catch(async (error: unknown) => {
  if (!interrupted) console.error(error);
  await cleanUp().catch((failure: unknown) => console.error(failure));
  process.exit(interrupted ? 130 : 1);
});
