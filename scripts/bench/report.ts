/**
 * The main table: medians of the rounds, each as a ratio to what bounds it
 * (the bare peer; for login the raw argon2id verify rate; for two workers,
 * one), beside the targets of issue 9 with a mark computed from the figures.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { loadGenerator } from './load';
import { median, summarise, type Sample } from './measure';
import { PATHS, type PathKey, type PathsRun } from './paths';
import { settings } from './settings';

/** Throughput ratios the issue asks for; RSS in MB after 100,000 requests. */
const TARGETS: Partial<Record<PathKey, number>> = { healthz: 0.5, me: 0.15, list: 0.08, login: 0.85, me2: 1.6 };
const RSS_TARGET_MB = 150;
const RSS_TARGET_REQUESTS = 100_000;

export function machineLine(postgres: string): string {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  const generator = `${loadGenerator} -t${settings.threads} -c${settings.connections}`;
  return [
    new Date().toISOString().slice(0, 16) + 'Z',
    `nproc ${availableParallelism()}`,
    cpu,
    `Node ${process.version}`,
  ]
    .concat(postgres, generator)
    .join(' · ');
}

/** Prints the table; returns false when any request failed, which makes every figure meaningless. */
export function reportPaths(run: PathsRun): boolean {
  const s = Object.fromEntries(Object.entries(run.samples).map(([k, v]) => [k, summarise(v)])) as Record<
    PathKey,
    Sample
  >;
  const verifiesPerS = median(run.verifies.map((v) => v.verifiesPerS));
  const cpuPerVerify = median(run.verifies.map((v) => v.cpuMicrosPerVerify));
  const threads = process.env.UV_THREADPOOL_SIZE ?? 4;
  console.log(
    `\nMedians of ${settings.rounds} rounds of ${settings.seconds} s; WEB_CONCURRENCY=1 unless said; ratios in the same run\n`,
  );
  console.log(
    'path                                  req/s   ratio   p50 ms   p99 ms  CPU µs/req  CPU ratio  busy  against; target',
  );
  const bare = s.bare;
  const row = (key: PathKey, base: { requestsPerS: number; cpu: number }, against: string) => {
    const ratio = s[key].requestsPerS / base.requestsPerS;
    const target = TARGETS[key];
    const mark = target === undefined ? '' : `; ≥ ${target.toFixed(2)}×: ${ratio >= target ? 'met' : 'NOT met'}`;
    console.log(
      [
        PATHS[key].padEnd(35),
        s[key].requestsPerS.toFixed(0).padStart(8),
        `${ratio.toFixed(2)}×`.padStart(7),
        s[key].p50Ms.toFixed(2).padStart(8),
        s[key].p99Ms.toFixed(2).padStart(8),
        s[key].cpuMicrosPerRequest.toFixed(0).padStart(11),
        `${(s[key].cpuMicrosPerRequest / base.cpu).toFixed(2)}×`.padStart(10),
        `${(s[key].machineBusy * 100).toFixed(0)}%`.padStart(5),
        ` ${against}${mark}`,
      ].join(' '),
    );
  };
  const ofBare = { requestsPerS: bare.requestsPerS, cpu: bare.cpuMicrosPerRequest };
  for (const key of ['bare', 'healthz', 'jwks', 'me', 'list'] as const) row(key, ofBare, 'bare');
  row(
    'login',
    { requestsPerS: verifiesPerS, cpu: cpuPerVerify },
    `raw argon2id verify (${verifiesPerS.toFixed(1)}/s, ${threads} in flight, ${cpuPerVerify.toFixed(0)} CPU µs each)`,
  );
  row('me2', { requestsPerS: s.me.requestsPerS, cpu: s.me.cpuMicrosPerRequest }, `1 worker (ran ${run.workers})`);
  if (run.workers < 2) console.log('  (the WEB_CONCURRENCY=2 service started no workers: it ran as one process)');
  console.log(
    '  busy: the share of all the CPUs busy during the window (service, PostgreSQL and the load generator\n' +
      '  share this machine); near 100% the machine, not the service, is what limits the throughput.',
  );
  reportMemory(run);
  return reportFailures(run.samples);
}

function reportMemory(run: PathsRun): void {
  const last = run.memory.at(-1)!;
  const judged = last.served >= RSS_TARGET_REQUESTS;
  const mark = !judged
    ? `not judged: needs ${RSS_TARGET_REQUESTS.toLocaleString('en')} requests`
    : last.rssMb <= RSS_TARGET_MB
      ? 'met'
      : 'NOT met';
  console.log(
    `\nRSS after the run: ${last.rssMb.toFixed(0)} MB (WEB_CONCURRENCY=1, after ` +
      `${last.served.toLocaleString('en')} requests); ≤ ${RSS_TARGET_MB} MB after ` +
      `${RSS_TARGET_REQUESTS.toLocaleString('en')}: ${mark}`,
  );
  const rounds = run.memory.map((m, i) => `${i + 1}: ${m.rssMb.toFixed(0)} MB @ ${m.served.toLocaleString('en')}`);
  console.log(`  per round: ${rounds.join('; ')}`);
  const lastThree = run.memory.slice(-3).map((m) => m.rssMb);
  if (lastThree.length === 3) {
    console.log(
      `  spread of the last three rounds: ${(Math.max(...lastThree) - Math.min(...lastThree)).toFixed(0)} MB`,
    );
  }
  console.log(`  WEB_CONCURRENCY=2 service at the end: ${run.clusterRssMb.toFixed(0)} MB, all its processes summed`);
}

/** Any failed request, or a window in which none completed, voids the figures. */
function reportFailures(samples: Record<PathKey, Sample[]>): boolean {
  let valid = true;
  for (const key of Object.keys(samples) as PathKey[]) {
    const failures = samples[key].reduce((sum, s) => sum + s.failures, 0);
    if (failures) console.error(`INVALID: ${failures} requests to ${PATHS[key]} failed or were not answered 2xx`);
    if (samples[key].some((s) => s.requests === 0)) console.error(`INVALID: no request to ${PATHS[key]} completed`);
    valid &&= !failures && samples[key].every((s) => s.requests > 0);
  }
  if (!valid) console.error('the figures above do not measure what they say');
  return valid;
}
