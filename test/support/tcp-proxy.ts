import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * - pass: forward both ways;
 * - cut: close every connection and refuse new ones (the database went away);
 * - reset: like cut, but with TCP RST (a crashed host, a dropped NAT entry);
 * - stall: forward nothing, on old and new connections alike, and close nothing (a black hole).
 */
export type ProxyMode = 'pass' | 'cut' | 'reset' | 'stall';

interface Link {
  client: Socket;
  upstream: Socket;
  /** Stalled links stay stalled: what they swallowed is gone, as on a real network. */
  stalled: boolean;
}

/** A TCP proxy in front of a server (PostgreSQL) whose faults a test switches on and off. */
export class TcpProxy {
  private server: Server | undefined;
  private readonly links = new Set<Link>();
  private current: ProxyMode = 'pass';
  private port = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target.host, target.port);
    await proxy.listen();
    return proxy;
  }

  /** `url` with its host and port replaced by this proxy's. */
  proxied(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  get mode(): ProxyMode {
    return this.current;
  }

  async set(mode: ProxyMode): Promise<void> {
    this.current = mode;
    if (mode === 'cut' || mode === 'reset') {
      for (const link of this.links) this.drop(link, mode);
      await this.close();
    } else if (mode === 'stall') {
      for (const link of this.links) link.stalled = true;
      if (!this.server) await this.listen();
    } else if (!this.server) {
      await this.listen();
    }
  }

  async stop(): Promise<void> {
    for (const link of this.links) this.drop(link, 'cut');
    await this.close();
  }

  private listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      // The same port each time, so that the app's connection URL stays valid across a cut.
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    const upstream = connect(this.targetPort, this.targetHost);
    const link: Link = { client, upstream, stalled: this.current === 'stall' };
    this.links.add(link);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (!link.stalled) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      this.links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  }

  private drop(link: Link, how: 'cut' | 'reset'): void {
    this.links.delete(link);
    if (how === 'reset') {
      link.client.resetAndDestroy();
      link.upstream.resetAndDestroy();
    } else {
      link.client.destroy();
      link.upstream.destroy();
    }
  }
}
