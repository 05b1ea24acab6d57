/** The server process as an operator runs it: `src/main.ts` through tsx, settings from the environment. */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { TEST_MASTER_KEY } from './app';

const root = resolve(__dirname, '../..');

export interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port'))));
    });
  });
}

/** Production mode with a fixed MASTER_KEY over plain HTTP; only PATH, HOME and TMPDIR come from this process. */
export function start(env: Record<string, string>, entry = 'src/main.ts', args: string[] = []): Running {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k === 'PATH' || k === 'HOME' || k === 'TMPDIR'),
  );
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', entry, ...args], {
    cwd: root,
    env: {
      ...base,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      MASTER_KEY: TEST_MASTER_KEY,
      ALLOW_INSECURE_HTTP: 'true',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end(env.STDIN ?? '');
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  return { child, output: () => output, exited };
}

export async function waitReady(base: string, running: Running, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (running.child.exitCode !== null) throw new Error(`server exited early:\n${running.output()}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server not ready in ${timeoutMs} ms:\n${running.output()}`);
}

/** A request on a connection of its own (no keep-alive), so that a cluster hands each to the next worker. */
export function onNewConnection(
  url: string,
  options: { method?: string; headers?: Record<string, string>; json?: unknown; timeoutMs?: number } = {},
): Promise<{ status: number; body: string }> {
  const { method = 'GET', json, timeoutMs = 10_000 } = options;
  const body = json === undefined ? undefined : JSON.stringify(json);
  const headers = { ...options.headers, ...(body ? { 'content-type': 'application/json' } : {}) };
  return new Promise((ok, fail) => {
    const req = http.request(url, { method, headers, agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in ${timeoutMs} ms`)));
    req.on('error', fail);
    req.end(body);
  });
}
