/** One measurement of one server under load, and the arithmetic of rounds. */
import { readFileSync } from 'node:fs';
import { load, type Load, type Request } from './load';
import { cpuMicros, type Server } from './processes';
import { settings } from './settings';

export interface Sample extends Load {
  /** CPU time (user + system) of the server's processes over the measured window, per request completed. */
  cpuMicrosPerRequest: number;
  /** Requests the server answered, warm-up included (what its memory has seen). */
  served: number;
  /** Share of all the machine's CPUs busy over the window: the server, PostgreSQL and the load generator together. */
  machineBusy: number;
}

/**
 * A short warm-up (JIT, pools, caches), then the measured window with the
 * server's CPU time around it. The first round warms up three times as long:
 * its servers have not served that path yet.
 */
export async function measure(server: Server, request: Request, round: number): Promise<Sample> {
  const warmup = await load(request, settings.warmupSeconds * (round === 0 ? 3 : 1));
  const pid = server.process.pid!;
  const cpuBefore = cpuMicros(pid);
  const machineBefore = machineTicks();
  const figures = await load(request, settings.seconds);
  const cpu = cpuMicros(pid) - cpuBefore;
  const machine = machineTicks();
  return {
    ...figures,
    cpuMicrosPerRequest: cpu / Math.max(1, figures.requests),
    machineBusy: 1 - (machine.idle - machineBefore.idle) / Math.max(1, machine.total - machineBefore.total),
    served: warmup.requests + figures.requests,
    failures: warmup.failures + figures.failures,
  };
}

/** All CPUs' time so far, in clock ticks, from the first line of /proc/stat; idle includes waiting on I/O. */
function machineTicks(): { idle: number; total: number } {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  return { idle: (ticks[3] ?? 0) + (ticks[4] ?? 0), total: ticks.reduce((sum, t) => sum + t, 0) };
}

/**
 * The order of round `round` (0-based) of `rounds`: each round starts at a
 * different place in the list, spread evenly, so slow drift on a busy machine
 * (or heat left by the previous item) hits every item alike.
 */
export function rotation<T>(items: T[], round: number, rounds: number): T[] {
  const start = Math.floor((round * items.length) / rounds) % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The medians of a list of samples, field by field; failures are summed, not averaged away. */
export function summarise(samples: Sample[]): Sample {
  const of = (field: keyof Sample) => median(samples.map((s) => s[field]));
  return {
    requests: of('requests'),
    requestsPerS: of('requestsPerS'),
    p50Ms: of('p50Ms'),
    p99Ms: of('p99Ms'),
    cpuMicrosPerRequest: of('cpuMicrosPerRequest'),
    machineBusy: of('machineBusy'),
    served: samples.reduce((sum, s) => sum + s.served, 0),
    failures: samples.reduce((sum, s) => sum + s.failures, 0),
  };
}
