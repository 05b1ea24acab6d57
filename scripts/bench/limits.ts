/**
 * The second section: what the rate limits cost. The service runs under
 * three settings side by side: no limits (the baseline), limits counted in
 * memory, and limits counted in Redis (when REDIS_URL is set or Redis answers
 * on 127.0.0.1:6379), all driven with GET /v1/users/me. Figures are medians of
 * rotating rounds, as ratios to the baseline of the same run.
 */
import { connect } from 'node:net';
import type { Sample } from './measure';
import { startService, stopAll, type Server } from './processes';
import { settings } from './settings';
import { measureMeSideBySide, reportSideBySide } from './side-by-side';

const LIMITS = { RATE_LIMIT_PER_IP: '9000000/1m', RATE_LIMIT_TOKEN_PER_IP: '100000/1m' };

/** Prints the section's table; returns false when any request failed. */
export async function benchLimits(databaseUrl: string): Promise<boolean> {
  const redisUrl = process.env.REDIS_URL ?? ((await redisAnswers('127.0.0.1', 6379)) ? 'redis://127.0.0.1:6379' : '');
  const settingsUnderTest = [
    { name: 'no limits (baseline)', env: { RATE_LIMIT_PER_IP: 'off', RATE_LIMIT_TOKEN_PER_IP: 'off' } },
    { name: 'limits in memory', env: LIMITS },
    ...(redisUrl ? [{ name: 'limits in Redis', env: { ...LIMITS, REDIS_URL: redisUrl } }] : []),
  ];
  let results: Map<string, Sample[]>;
  try {
    const servers: Server[] = [];
    for (const { name, env } of settingsUnderTest) {
      const common = { DATABASE_URL: databaseUrl, WEB_CONCURRENCY: '1', REDIS_KEY_PREFIX: `bench-${process.pid}:` };
      servers.push(await startService(name, { ...common, ...env }));
    }
    console.log('\nWhat the rate limits cost');
    results = await measureMeSideBySide(servers, settings.limitsRounds);
  } finally {
    await stopAll();
  }
  return reportSideBySide(
    `What the rate limits cost: GET /v1/users/me, medians of ${settings.limitsRounds} rounds ` +
      `of ${settings.seconds} s, ratios to the baseline`,
    results,
  );
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
