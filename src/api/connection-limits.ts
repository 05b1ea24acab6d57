import type { Server, Socket } from 'node:net';
import { clientAddress } from '../core/rate-limit';

/**
 * At most `max` open connections from one client address at a time (IPv6:
 * one /64, as the rate limits count), so that one client cannot hold the
 * server's connections (or file descriptors) by opening many and sending
 * slowly. One more is closed as soon as it is accepted, before a byte of it
 * is read. The address is the socket's: behind a proxy, every connection is
 * the proxy's (see MAX_CONNECTIONS_PER_IP).
 */
export function limitConnectionsPerAddress(server: Server, max: number, onRefused: () => void): void {
  const open = new Map<string, number>();
  // Before the HTTP (or TLS) server's own listener: a refused socket gets no parser.
  server.prependListener('connection', (socket: Socket) => {
    const key = clientAddress(socket.remoteAddress);
    const count = open.get(key) ?? 0;
    if (count >= max) {
      onRefused();
      socket.destroy();
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
  });
}
