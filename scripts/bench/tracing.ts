/**
 * The third section, run only with BENCH_ONLY=tracing: what tracing costs. The
 * service runs side by side with tracing off (the baseline), with every request
 * traced, and with one new trace in ten, exporting OTLP/HTTP protobuf to a
 * receiver in this process that discards what it gets; all driven with
 * GET /v1/users/me (its server span and the session lookup's span). With
 * BENCH_BASELINE_BUILD set to another checkout whose service is compiled
 * (`make build` there), that build runs too, tracing off: the off path against
 * another commit. Figures are medians of rotating rounds, as ratios to the
 * baseline of the same run.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Sample } from './measure';
import { startService, stopAll, type Server } from './processes';
import { settings } from './settings';
import { measureMeSideBySide, reportSideBySide } from './side-by-side';

const COMMON = { WEB_CONCURRENCY: '1', RATE_LIMIT_PER_IP: '9000000/1m', RATE_LIMIT_TOKEN_PER_IP: '100000/1m' };

/** Prints the section's table; returns false when any request failed. */
export async function benchTracing(databaseUrl: string): Promise<boolean> {
  const receiver = await discardingReceiver();
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
  const variants: { name: string; env: Record<string, string>; entry?: string }[] = [
    { name: 'tracing off (baseline)', env: {} },
    ...(settings.baselineBuild
      ? [{ name: 'other build, off', env: {}, entry: join(resolve(settings.baselineBuild), 'dist/src/main.js') }]
      : []),
    { name: 'on, every request', env: { ...endpoint, OTEL_TRACES_SAMPLER: 'always_on' } },
    {
      name: 'on, 1 in 10 sampled',
      env: { ...endpoint, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
    },
  ];
  let results: Map<string, Sample[]>;
  try {
    const servers: Server[] = [];
    for (const { name, env, entry } of variants) {
      servers.push(await startService(name, { DATABASE_URL: databaseUrl, ...COMMON, ...env }, entry));
    }
    console.log('\nWhat tracing costs');
    results = await measureMeSideBySide(servers, settings.tracingRounds);
  } finally {
    await stopAll();
    await receiver.close();
  }
  const valid = reportSideBySide(
    `What tracing costs: GET /v1/users/me, medians of ${settings.tracingRounds} rounds ` +
      `of ${settings.seconds} s, ratios to the baseline`,
    results,
  );
  const { requests, bytes } = receiver.exports;
  console.log(
    `  the receiver took ${requests.toLocaleString('en')} exports (${(bytes / 1e6).toFixed(1)} MB of protobuf)`,
  );
  if (requests === 0) console.error('INVALID: no span was exported');
  return valid && requests > 0;
}

/** An OTLP/HTTP endpoint on the loopback that counts what it is sent and keeps none of it. */
async function discardingReceiver() {
  const exports = { requests: 0, bytes: 0 };
  const server: HttpServer = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (exports.bytes += chunk.length));
    req.on('end', () => {
      exports.requests++;
      // An empty ExportTraceServiceResponse: everything accepted.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
