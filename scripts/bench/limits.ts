/**
 * The second section: what the rate limits cost. The service runs under
 * three settings side by side: no limits (the baseline), limits counted in
 * memory, and limits counted in Redis (when REDIS_URL is set or Redis answers
 * on 127.0.0.1:6379), all driven with GET /v1/users/me. Figures are medians of
 * rotating rounds, as ratios to the baseline of the same run.
 */
import { connect } from 'node:net';
import { account, logIn, signUp } from './client';
import { measure, rotation, summarise, type Sample } from './measure';
import { startService, stopAll, type Server } from './processes';
import { settings } from './settings';

const LIMITS = { RATE_LIMIT_PER_IP: '9000000/1m', RATE_LIMIT_TOKEN_PER_IP: '100000/1m' };

/** Prints the section's table; returns false when any request failed. */
export async function benchLimits(databaseUrl: string): Promise<boolean> {
  const redisUrl = process.env.REDIS_URL ?? ((await redisAnswers('127.0.0.1', 6379)) ? 'redis://127.0.0.1:6379' : '');
  const settingsUnderTest = [
    { name: 'no limits (baseline)', env: { RATE_LIMIT_PER_IP: 'off', RATE_LIMIT_TOKEN_PER_IP: 'off' } },
    { name: 'limits in memory', env: LIMITS },
    ...(redisUrl ? [{ name: 'limits in Redis', env: { ...LIMITS, REDIS_URL: redisUrl } }] : []),
  ];
  const results = new Map<string, Sample[]>(settingsUnderTest.map((s) => [s.name, []]));
  try {
    const servers: Server[] = [];
    for (const { name, env } of settingsUnderTest) {
      const common = { DATABASE_URL: databaseUrl, WEB_CONCURRENCY: '1', REDIS_KEY_PREFIX: `bench-${process.pid}:` };
      servers.push(await startService(name, { ...common, ...env }));
    }
    const who = account(`limits${process.pid}`);
    await signUp(servers[0]!.base, who);
    const authorization = await logIn(servers[0]!.base, who);
    console.log('\nWhat the rate limits cost');
    for (let round = 0; round < settings.limitsRounds; round++) {
      console.log(`round ${round + 1}/${settings.limitsRounds}`);
      for (const server of rotation(servers, round, settings.limitsRounds)) {
        const me = { url: `${server.base}/v1/users/me`, headers: { authorization } };
        const sample = await measure(server, me, round);
        results.get(server.name)!.push(sample);
        console.log(`  ${server.name}: ${sample.requestsPerS.toFixed(0)} req/s`);
      }
    }
  } finally {
    await stopAll();
  }
  return report(results);
}

function report(results: Map<string, Sample[]>): boolean {
  const summary = [...results].map(([name, samples]) => ({ name, ...summarise(samples) }));
  const base = summary[0]!;
  console.log(
    `\nWhat the rate limits cost: GET /v1/users/me, medians of ${settings.limitsRounds} rounds ` +
      `of ${settings.seconds} s, ratios to the baseline`,
  );
  console.log('setting                   req/s   ratio   p50 ms   p99 ms   ratio  CPU µs/req  failed');
  for (const s of summary) {
    console.log(
      [
        s.name.padEnd(22),
        s.requestsPerS.toFixed(0).padStart(8),
        `${(s.requestsPerS / base.requestsPerS).toFixed(2)}×`.padStart(7),
        s.p50Ms.toFixed(2).padStart(8),
        s.p99Ms.toFixed(2).padStart(8),
        `${(s.p99Ms / base.p99Ms).toFixed(2)}×`.padStart(7),
        s.cpuMicrosPerRequest.toFixed(0).padStart(11),
        String(s.failures).padStart(7),
      ].join(' '),
    );
  }
  const valid = summary.every((s) => s.failures === 0);
  if (!valid) console.error('INVALID: some requests were not answered 2xx; the figures do not measure what they say');
  return valid;
}

async function redisAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    function done(answer: boolean) {
      socket.destroy();
      resolve(answer);
    }
  });
}
