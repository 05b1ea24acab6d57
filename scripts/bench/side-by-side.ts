/**
 * Sections that compare the service under a few settings (the rate limits,
 * tracing): each setting's server measured on one path in rotating rounds,
 * and a table of medians as ratios to the first, the baseline.
 */
import { account, logIn, signUp } from './client';
import { measure, rotation, summarise, type Sample } from './measure';
import type { Server } from './processes';

/**
 * Authenticated GET /v1/users/me on each server (they share a database: the
 * account signs up on the first), by the server's name, in the order given.
 */
export async function measureMeSideBySide(servers: Server[], rounds: number): Promise<Map<string, Sample[]>> {
  const who = account(`side${process.pid}`);
  await signUp(servers[0]!.base, who);
  const authorization = await logIn(servers[0]!.base, who);
  const results = new Map<string, Sample[]>(servers.map((s) => [s.name, []]));
  for (let round = 0; round < rounds; round++) {
    console.log(`round ${round + 1}/${rounds}`);
    for (const server of rotation(servers, round, rounds)) {
      const sample = await measure(server, { url: `${server.base}/v1/users/me`, headers: { authorization } }, round);
      results.get(server.name)!.push(sample);
      console.log(`  ${server.name}: ${sample.requestsPerS.toFixed(0)} req/s`);
    }
  }
  return results;
}

/** Prints the table under `heading`; returns false when any request failed. */
export function reportSideBySide(heading: string, results: Map<string, Sample[]>): boolean {
  const summary = [...results].map(([name, samples]) => ({ name, ...summarise(samples) }));
  const base = summary[0]!;
  const ratio = (value: number, baseline: number) => `${(value / baseline).toFixed(2)}×`;
  console.log(`\n${heading}`);
  console.log('setting                   req/s   ratio   p50 ms   p99 ms   ratio  CPU µs/req   ratio  failed');
  for (const s of summary) {
    console.log(
      [
        s.name.padEnd(22),
        s.requestsPerS.toFixed(0).padStart(8),
        ratio(s.requestsPerS, base.requestsPerS).padStart(7),
        s.p50Ms.toFixed(2).padStart(8),
        s.p99Ms.toFixed(2).padStart(8),
        ratio(s.p99Ms, base.p99Ms).padStart(7),
        s.cpuMicrosPerRequest.toFixed(0).padStart(11),
        ratio(s.cpuMicrosPerRequest, base.cpuMicrosPerRequest).padStart(7),
        String(s.failures).padStart(7),
      ].join(' '),
    );
  }
  const valid = summary.every((s) => s.failures === 0);
  if (!valid) console.error('INVALID: some requests were not answered 2xx; the figures do not measure what they say');
  return valid;
}
