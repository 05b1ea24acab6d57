/** The server process at its edge: HTTPS, refusing plain HTTP in production, draining on SIGTERM. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { userCreate } from '../factories/user.factory';
import { TEST_MASTER_KEY } from '../support/app';

const root = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-edge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

function start(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, NODE_ENV: 'production', MASTER_KEY: TEST_MASTER_KEY, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output, exited: new Promise((ok) => child.once('exit', ok)) };
}

function get(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  const client = url.startsWith('https') ? https : http;
  return new Promise((ok, fail) => {
    client
      .get(url, { rejectUnauthorized: false }, (res) => {
        res.resume();
        res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers }));
      })
      .on('error', fail);
  });
}

/** Bytes as they are over TLS, and everything the server answers until it closes. */
function rawTls(port: number, bytes: string): Promise<string> {
  return new Promise((ok, fail) => {
    let answer = '';
    const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => socket.write(bytes));
    socket.setTimeout(10_000, () => socket.destroy(new Error('the server did not close the connection')));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', fail);
    socket.on('close', () => ok(answer));
  });
}

async function waitFor(url: string, output: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await get(url)).status === 200) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready: ${output()}`);
}

it('refuses plain HTTP in production without TLS, a proxy or an opt-out', async () => {
  const running = start({ DATA_DIR: join(dir, 'refused') });
  expect(await running.exited).toBe(1);
  expect(running.output()).toMatch(/production serves HTTPS/);
}, 30_000);

it('serves HTTPS with TLS_CERT_FILE/TLS_KEY_FILE, with HSTS; a request its parser refuses gets a problem', async () => {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const port = await freePort();
  const running = start({ PORT: String(port), DATA_DIR: join(dir, 'tls'), TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
  try {
    await waitFor(`https://127.0.0.1:${port}/healthz`, running.output);
    const res = await get(`https://127.0.0.1:${port}/healthz`);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    expect(res.headers['content-security-policy']).toMatch(/upgrade-insecure-requests/);
    expect(running.output()).toMatch(/"url":"https:\/\/127\.0\.0\.1:/);

    const refused = await rawTls(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(refused).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(refused).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/);
    const requestId = /\r\nX-Request-Id: ([0-9a-f-]{36})\r\n/.exec(refused)?.[1];
    expect(refused).toContain(`"request_id":"${requestId}"`);
    expect(running.output()).toContain(`"request_id":"${requestId}"`);
  } finally {
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  }
}, 90_000);

it('on SIGTERM: readiness fails, the in-flight request finishes, then exit 0', async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const running = start({
    PORT: String(port),
    DATA_DIR: join(dir, 'drain'),
    ALLOW_INSECURE_HTTP: 'true',
    SHUTDOWN_DELAY_MS: '1500',
  });
  await waitFor(`${base}/readyz`, running.output);

  // a sign-up whose body is still arriving when the signal comes
  const body = JSON.stringify(userCreate());
  const answer = new Promise<number>((ok, fail) => {
    const req = http.request(`${base}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      res.resume();
      ok(res.statusCode ?? 0);
    });
    req.on('error', fail);
    req.write(body.slice(0, 10));
    setTimeout(() => req.end(body.slice(10)), 2500);
  });
  await new Promise((r) => setTimeout(r, 300));
  running.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  expect((await get(`${base}/readyz`)).status).toBe(503);

  expect(await answer).toBe(201);
  expect(await running.exited).toBe(0);
  expect(running.output()).toMatch(/shutting down: readiness now fails/);
  expect(running.output()).toMatch(/"message":"shut down"/);
}, 90_000);
