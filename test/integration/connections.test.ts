/** The server's own limits on connections, on real sockets: its timeouts, and how many one client may hold. */
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { CONFIG, LIFECYCLE, LOGGER } from '../../src/container.tokens';
import type { Config, Env } from '../../src/core/config';
import type { Lifecycle } from '../../src/core/lifecycle';
import type { Logger } from '../../src/core/logging';
import { Metrics } from '../../src/core/metrics';
import { listen, type Listening } from '../../src/server';
import { startTestApp, type TestApp } from '../support/app';

const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
/** How late past its bound a connection may be cut. */
const SLACK_MS = 1_500;

let t: TestApp;
const servers: Listening[] = [];
beforeAll(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  for (const { server } of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
afterAll(() => t.close());

/** The test app's container behind a server of its own on a free port, with these settings. */
async function serve(env: Env): Promise<number> {
  const { loadConfig } = await import('../../src/core/config');
  const config: Config = { ...t.container.resolve<Config>(CONFIG), http: loadConfig(env).http, port: 0 };
  const listening = await listen(
    t.app,
    config,
    t.container.resolve<Lifecycle>(LIFECYCLE),
    t.container.resolve<Logger>(LOGGER),
    t.container.resolve(Metrics),
  );
  servers.push(listening);
  return (listening.server.address() as AddressInfo).port;
}

interface Cut {
  /** When the server closed the connection, from connecting; null: it had not after `giveUpMs`. */
  ms: number | null;
  answer: string;
}

/** Connects, lets `talk` write, and waits for the server to close the connection (at most `giveUpMs`). */
function whenCut(port: number, talk: (socket: Socket) => void, giveUpMs: number): Promise<Cut> {
  return new Promise((resolve) => {
    const started = Date.now();
    let answer = '';
    let done = false;
    const socket = connect(port, '127.0.0.1', () => talk(socket));
    const finish = (ms: number | null) => {
      if (done) return;
      done = true;
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ ms, answer });
    };
    const giveUp = setTimeout(() => finish(null), giveUpMs);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(Date.now() - started));
  });
}

/** Writes `text` a few bytes at a time, every 200 ms, for as long as the connection is open. */
function trickle(socket: Socket, text: string): void {
  let at = 0;
  const next = setInterval(() => {
    if (socket.destroyed || at >= text.length) return clearInterval(next);
    socket.write(text.slice(at, (at += 2)));
  }, 200);
  socket.once('close', () => clearInterval(next));
}

function opened(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket)).on('error', reject);
  });
}

describe('slow clients', () => {
  const timeouts = { HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS), REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) };

  it('cuts a connection that sends nothing once HEADERS_TIMEOUT_MS is up', async () => {
    const port = await serve(timeouts);
    const cut = await whenCut(port, () => undefined, HEADERS_TIMEOUT_MS + SLACK_MS);
    expect(cut.ms).not.toBeNull();
    expect(cut.ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
  });

  it('cuts headers that trickle in once HEADERS_TIMEOUT_MS is up, with a 408 problem', async () => {
    const port = await serve(timeouts);
    const headers = `GET /healthz HTTP/1.1\r\nHost: x\r\n${'X-Slow: 1\r\n'.repeat(100)}\r\n`;
    const cut = await whenCut(port, (socket) => trickle(socket, headers), HEADERS_TIMEOUT_MS + SLACK_MS);
    expect(cut.ms).not.toBeNull();
    expect(cut.ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
    expect(cut.answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n[^]*application\/problem\+json/);
  });

  it('cuts a body that trickles in once REQUEST_TIMEOUT_MS is up, with a 408 problem', async () => {
    const port = await serve(timeouts);
    const head = 'POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n';
    const cut = await whenCut(
      port,
      (socket) => {
        socket.write(head);
        trickle(socket, '{"username":"'.padEnd(200, 'a'));
      },
      REQUEST_TIMEOUT_MS + SLACK_MS,
    );
    expect(cut.ms).not.toBeNull();
    expect(cut.ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    expect(cut.answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });
});

describe('connection caps', () => {
  it('closes at once a connection past MAX_CONNECTIONS_PER_IP from one address; the others are served', async () => {
    const port = await serve({ MAX_CONNECTIONS_PER_IP: '3' });
    const held = await Promise.all([opened(port), opened(port), opened(port)]);
    try {
      const refused = await whenCut(port, () => undefined, 1_000);
      expect(refused).toEqual({ ms: expect.any(Number), answer: '' });
      const asking = await whenCut(port, (s) => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'), 1_000);
      expect(asking).toEqual({ ms: expect.any(Number), answer: '' });
      held[0]!.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        held[0]!.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
        held[0]!.on('close', () => resolve(text));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      // One closed: there is room for one more.
      const again = await opened(port);
      again.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      const answered = await new Promise<string>((resolve) => {
        let text = '';
        again.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
        again.on('close', () => resolve(text));
      });
      expect(answered).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      const metrics = (await request(t.app).get('/metrics')).text;
      expect(metrics).toMatch(/\ngatehouse_http_connections_refused_total\{limit="per_address"\} [1-9]/);
    } finally {
      for (const socket of held) socket.destroy();
    }
  });

  it('closes at once a connection past MAX_CONNECTIONS, whatever its address', async () => {
    const port = await serve({ MAX_CONNECTIONS: '2', MAX_CONNECTIONS_PER_IP: '0' });
    const held = await Promise.all([opened(port), opened(port)]);
    try {
      const refused = await whenCut(port, () => undefined, 1_000);
      expect(refused).toEqual({ ms: expect.any(Number), answer: '' });
      const metrics = (await request(t.app).get('/metrics')).text;
      expect(metrics).toMatch(/\ngatehouse_http_connections_refused_total\{limit="server"\} [1-9]/);
    } finally {
      for (const socket of held) socket.destroy();
    }
  });
});
