/**
 * `npx tsx scripts/profile-summary.ts <file.cpuprofile> [cpu µs per request]`:
 * where a CPU profile's busy time went, by component (self time), as shares
 * and, given the CPU cost of a request, as µs per request. A profile of the
 * compiled service under load comes from `node --cpu-prof dist/src/main.js`
 * (see docs/performance.md). V8 samples wall time: on a busy machine a
 * descheduled thread counts against whatever it was doing (socket writes, most
 * often), so read the shares beside the measured CPU per request.
 */
import { readFileSync } from 'node:fs';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
}

const PACKAGES = (names: string) => new RegExp(`node_modules/(${names})/`);

/** Components in the order they are tried: the first that matches a frame's script takes its time. */
const COMPONENTS: [string, RegExp][] = [
  ['ORM (MikroORM, knex, tarn)', PACKAGES('@mikro-orm/[a-z]+|knex|tarn|lodash|dataloader')],
  ['pg driver', PACKAGES('pg|pg-[a-z]+|postgres-[a-z]+')],
  [
    'express-openapi-validator + ajv',
    PACKAGES('express-openapi-validator|ajv|ajv-formats|fast-uri|json-schema-traverse|path-to-regexp|media-typer'),
  ],
  [
    'express (router, body-parser, response)',
    PACKAGES(
      'express|router|body-parser|parseurl|finalhandler|on-finished|on-headers|send|serve-static|fresh|etag|vary|' +
        'proxy-addr|forwarded|ipaddr\\.js|accepts|negotiator|debug|content-type|type-is|mime-types|raw-body|qs|' +
        'http-errors|statuses|depd|encodeurl|escape-html|cookie|side-channel[a-z-]*|get-intrinsic|call-bound',
    ),
  ],
  [
    'passport + JWT (+ ECDSA)',
    /node_modules\/(passport[a-z-]*|jsonwebtoken|jws|jwa|ecdsa-sig-formatter)\/|^native:verify$/,
  ],
  [
    'winston (log lines)',
    PACKAGES('winston|logform|winston-transport|safe-stable-stringify|readable-stream|triple-beam'),
  ],
  ['helmet + cors', PACKAGES('helmet|cors')],
  ['prom-client (metrics)', PACKAGES('prom-client|tdigest|bintrees')],
  ['rate limits', PACKAGES('rate-limiter-flexible')],
  ['application code', /\/(src|generated)\/[^/]+/],
  ['AsyncLocalStorage (async hooks)', /^node:(internal\/)?async_hooks|^native:init$/],
  ['garbage collection', /^\(garbage collector\)$/],
  ['node http and net core', /^node:|^native:|^\(program\)$/],
];

function summarise(profile: CpuProfile): { component: string; share: number }[] {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byComponent = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!frame || frame.functionName === '(idle)') return;
    busy += delta;
    const key = frame.url || (frame.functionName.startsWith('(') ? frame.functionName : `native:${frame.functionName}`);
    const component = COMPONENTS.find(([, pattern]) => pattern.test(key))?.[0] ?? `other: ${packageOf(key)}`;
    byComponent.set(component, (byComponent.get(component) ?? 0) + delta);
  });
  return [...byComponent]
    .map(([component, time]) => ({ component, share: time / busy }))
    .sort((a, b) => b.share - a.share);
}

/** `node_modules/<name>/…` (scoped names whole), or the script itself. */
function packageOf(url: string): string {
  return /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? url;
}

const [file, usPerRequest] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx scripts/profile-summary.ts <file.cpuprofile> [cpu µs per request]');
  process.exit(2);
}
const rows = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
for (const { component, share } of rows.slice(0, 20)) {
  const us = usPerRequest ? `${Math.round(share * Number(usPerRequest))} µs`.padStart(9) : '';
  console.log(`${component.padEnd(42)} ${(share * 100).toFixed(1).padStart(5)} %${us}`);
}
