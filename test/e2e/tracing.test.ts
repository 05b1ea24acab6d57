/**
 * Tracing as an operator turns it on: the server process (tsx, as the other
 * process tests run it) with an OTLP endpoint, exporting OTLP/HTTP JSON to a
 * receiver this test runs on loopback; and the same server without one, which
 * must not load any OpenTelemetry code. PostgreSQL when DATABASE_URL is set
 * (with Redis when REDIS_URL is), where production mode runs a worker per core,
 * so the spans come from cluster workers; else the embedded database, one process.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { userCreate } from '../factories/user.factory';
import { freePort, start, waitReady, type Running } from '../support/process';
import { testDatabaseUrl } from '../support/test-database';

interface Attribute {
  key: string;
  value: { stringValue?: string; intValue?: number | string; boolValue?: boolean };
}

/** A span as OTLP/JSON encodes it (ids in hex). */
interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status: { code?: number };
  attributes: Attribute[];
}

const SERVER = 2;
const CLIENT = 3;
const STATUS_UNSET = 0;

interface Receiver {
  url: string;
  posts: { path: string; contentType: string | undefined }[];
  spans: ExportedSpan[];
  resources: Attribute[][];
  close(): Promise<void>;
}

/** A minimal OTLP/HTTP collector: takes POST /v1/traces in JSON, keeps the spans. */
async function otlpReceiver(): Promise<Receiver> {
  const receiver: Omit<Receiver, 'url' | 'close'> = { posts: [], spans: [], resources: [] };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      receiver.posts.push({ path: req.url ?? '', contentType: req.headers['content-type'] });
      const exported = JSON.parse(body) as {
        resourceSpans: { resource: { attributes: Attribute[] }; scopeSpans: { spans: ExportedSpan[] }[] }[];
      };
      for (const { resource, scopeSpans } of exported.resourceSpans) {
        receiver.resources.push(resource.attributes);
        for (const { spans } of scopeSpans) receiver.spans.push(...spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    ...receiver,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

const attribute = (span: ExportedSpan | Attribute[], key: string) => {
  const found = (Array.isArray(span) ? span : span.attributes).find((a) => a.key === key)?.value;
  return found && (found.stringValue ?? (found.intValue === undefined ? found.boolValue : Number(found.intValue)));
};

function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const postgres = process.env.DATABASE_URL;
const redis = process.env.REDIS_URL;
const probe = resolve(__dirname, '../support/loaded-modules.js');

describe(`tracing (${postgres ? 'PostgreSQL' : 'embedded database'}${redis ? ', Redis' : ''})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-tracing-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The server as production runs it, recording the modules it loaded; stopped with SIGTERM by the caller. */
  async function serve(name: string, env: Record<string, string>): Promise<{ base: string; running: Running }> {
    const port = await freePort();
    mkdirSync(join(dir, name));
    const running = start({
      PORT: String(port),
      ...(postgres ? { DATABASE_URL: testDatabaseUrl('main') } : { DATA_DIR: join(dir, 'data') }),
      ...(redis ? { REDIS_URL: redis, REDIS_KEY_PREFIX: `test-tracing-${randomUUID()}:` } : {}),
      NODE_OPTIONS: `--require "${probe}"`,
      GATEHOUSE_LOADED_MODULES_DIR: join(dir, name),
      ...env,
    });
    const base = `http://127.0.0.1:${port}`;
    await waitReady(base, running);
    return { base, running };
  }

  async function stop(running: Running): Promise<void> {
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  }

  /** Each process's modules (the primary's and each worker's, when the service runs workers). */
  const loadedModules = (name: string) =>
    readdirSync(join(dir, name)).map((file) => readFileSync(join(dir, name, file), 'utf8').split('\n'));

  it('exports a span per request, named by its operation, under the caller traceparent, with database and Redis spans and no values; log lines carry the trace', async () => {
    const receiver = await otlpReceiver();
    try {
      const { base, running } = await serve('on', {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'gatehouse-under-test',
      });
      const user = userCreate();
      const json = { 'content-type': 'application/json' };
      expect(
        (await fetch(`${base}/v1/users`, { method: 'POST', headers: json, body: JSON.stringify(user) })).status,
      ).toBe(201);
      const login = await fetch(`${base}/v1/auth/token`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ username: user.username, password: user.password }),
      });
      expect(login.status).toBe(200);
      const tokens = (await login.json()) as { access_token: string; refresh_token: string };

      const callerTrace = randomBytes(16).toString('hex');
      const callerSpan = randomBytes(8).toString('hex');
      const me = await fetch(`${base}/v1/users/me`, {
        headers: { authorization: `Bearer ${tokens.access_token}`, traceparent: `00-${callerTrace}-${callerSpan}-01` },
      });
      expect(me.status).toBe(200);
      const meBody = (await me.json()) as { id: string };
      expect(me.headers.get('traceresponse')).toBeNull();
      expect((await fetch(`${base}/v1/users/me`)).status).toBe(401);

      // No waiting for the exporter's schedule: shutting down exports what is buffered.
      await stop(running);

      expect(receiver.posts.length).toBeGreaterThan(0);
      for (const post of receiver.posts) expect(post).toEqual({ path: '/v1/traces', contentType: 'application/json' });
      expect(attribute(receiver.resources[0]!, 'service.name')).toBe('gatehouse-under-test');

      const spans = receiver.spans;
      const children = (parent: ExportedSpan) => spans.filter((s) => s.parentSpanId === parent.spanId);

      // The caller's trace continues: its span is the parent of ours.
      const getMe = spans.find((s) => s.name === 'getMe' && s.traceId === callerTrace);
      expect(getMe).toMatchObject({ kind: SERVER, parentSpanId: callerSpan, status: { code: STATUS_UNSET } });
      expect(attribute(getMe!, 'http.route')).toBe('/v1/users/me');
      expect(attribute(getMe!, 'http.request.method')).toBe('GET');
      expect(attribute(getMe!, 'http.response.status_code')).toBe(200);
      // Its one query: the session check, as a prepared statement with placeholders.
      const query = children(getMe!).find((s) => attribute(s, 'db.system.name') === 'postgresql');
      expect(query).toMatchObject({ kind: CLIENT, traceId: callerTrace, name: 'SELECT sessions users' });
      expect(attribute(query!, 'db.query.text')).toMatch(/where s\.id = \$1/);
      if (redis) {
        // The per-address rate limit counts in Redis.
        const command = children(getMe!).find((s) => attribute(s, 'db.system.name') === 'redis');
        expect(command).toMatchObject({ kind: CLIENT, traceId: callerTrace });
        expect(attribute(command!, 'db.operation.name')).toMatch(/^EVAL(SHA)?$/);
      }

      // Without a traceparent a request starts a trace of its own; a 4xx is not a server failure.
      const refused = spans.find((s) => s.name === 'getMe' && s.traceId !== callerTrace);
      expect(refused).toMatchObject({ kind: SERVER, status: { code: STATUS_UNSET } });
      expect(refused?.parentSpanId ?? '').toBe('');
      expect(attribute(refused!, 'http.response.status_code')).toBe(401);

      // Writes through MikroORM: placeholders in the text, and the transaction around them.
      const createToken = spans.find((s) => s.name === 'createToken');
      expect(attribute(createToken!, 'http.response.status_code')).toBe(200);
      const loginWork = children(createToken!).map((s) => s.name);
      expect(loginWork).toEqual(expect.arrayContaining(['SELECT users', 'BEGIN', 'INSERT sessions', 'COMMIT']));
      const insert = children(createToken!).find((s) => s.name === 'INSERT sessions');
      expect(attribute(insert!, 'db.query.text')).toMatch(/^insert into "sessions" .* values \(\?, \?/);

      // Nothing a span carries is a value: no password, token, login name, address or id of the caller.
      const exported = JSON.stringify(spans);
      for (const secret of [
        user.password,
        user.username,
        user.email,
        tokens.access_token,
        tokens.refresh_token,
        meBody.id,
      ]) {
        expect(exported).not.toContain(secret);
      }

      // Every line logged inside a traced request carries its trace and span.
      const lines = logLines(running.output());
      const meLine = lines.find((l) => l.message === 'request' && l.operation_id === 'getMe' && l.status === 200);
      expect(meLine).toMatchObject({ trace_id: callerTrace, span_id: getMe!.spanId, trace_flags: '01' });
      const audit = lines.find((l) => l.audit === 'login.succeeded');
      expect(audit).toMatchObject({ trace_id: createToken!.traceId, span_id: createToken!.spanId });
      for (const line of lines.filter((l) => l.request_id !== undefined))
        expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(lines.find((l) => l.message === 'listening')).not.toHaveProperty('trace_id');

      // The process that served (each worker, in a cluster; not its primary) loaded the SDK.
      const sdk = /\/@opentelemetry\/sdk-trace\//;
      expect(loadedModules('on').some((modules) => modules.some((file) => sdk.test(file)))).toBe(true);
    } finally {
      await receiver.close();
    }
  }, 120_000);

  it('loads no OpenTelemetry code and logs no trace fields without an endpoint', async () => {
    const { base, running } = await serve('off', {});
    expect((await fetch(`${base}/v1/users/me`)).status).toBe(401);
    await stop(running);
    const processes = loadedModules('off');
    expect(processes.some((modules) => modules.some((file) => file.includes('/node_modules/express/')))).toBe(true);
    // Only the API, a no-op facade that prom-client loads for itself (it would read an active span for
    // exemplars): no SDK, no exporter, none of our code that makes spans.
    const loaded = processes
      .flat()
      .filter((file) => /opentelemetry/i.test(file) && !file.includes('/@opentelemetry/api/'));
    expect(loaded).toEqual([]);
    expect(running.output()).not.toContain('trace_id');
  }, 120_000);
});
