/**
 * `make mock` as a client team runs it: Stoplight Prism's mock mode on the
 * bundled spec answers each operation with the spec's own example, before (or
 * without) the service. One Prism process for the file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import spec from '../../generated/openapi.json';
import { freePort } from '../support/process';

const root = resolve(__dirname, '../..');
let prism: ChildProcess;
let base: string;
let output = '';

jest.setTimeout(30_000);

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  prism = spawn(
    resolve(root, 'node_modules/.bin/prism'),
    ['mock', 'generated/openapi.json', '--host', '127.0.0.1', '--port', String(port)],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const listening = new Promise<void>((ok, fail) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Prism is listening')) ok();
    };
    prism.stdout?.on('data', read);
    prism.stderr?.on('data', read);
    prism.once('exit', (code) => fail(new Error(`prism exited (${code}):\n${output}`)));
  });
  await listening;
});

// Waits for Prism to exit: a child still holding its pipes keeps the jest worker from exiting.
afterAll(async () => {
  if (!prism || prism.exitCode !== null || prism.signalCode !== null) return;
  const exited = new Promise((done) => prism.once('exit', done));
  prism.kill();
  await exited;
});

const examples = spec.components.examples;

test('GET /healthz answers the example', async () => {
  const res = await fetch(`${base}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual(spec.paths['/healthz'].get.responses['200'].content['application/json'].example);
});

test('POST /v1/auth/token with the example body answers the token example', async () => {
  const request = spec.paths['/v1/auth/token'].post.requestBody.content['application/json'].example;
  const res = await fetch(`${base}/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual(examples.TokenResponse.value);
});

test('GET /v1/users/me with a bearer token answers the user example', async () => {
  const res = await fetch(`${base}/v1/users/me`, { headers: { authorization: 'Bearer any-token' } });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual(examples.User.value);
});

test('GET /v1/users answers a page of the example', async () => {
  const res = await fetch(`${base}/v1/users?limit=2`, { headers: { authorization: 'Bearer any-token' } });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual(spec.paths['/v1/users'].get.responses['200'].content['application/json'].example);
});

test('a secured operation without a token is refused, as the service would', async () => {
  const res = await fetch(`${base}/v1/users/me/sessions`);
  expect(res.status).toBe(401);
});

test('a request body the spec refuses is refused', async () => {
  const res = await fetch(`${base}/v1/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'a' }),
  });
  expect(res.status).toBe(422);
});
