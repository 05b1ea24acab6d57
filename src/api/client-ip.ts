import { isIP } from 'node:net';
import type { Request } from 'express';

/**
 * The client's address as `TRUST_PROXY` lets express see it, when it is an IP
 * address. X-Forwarded-For is the client's to write, and express takes an
 * entry of it as it comes: anything else is no address at all, never stored
 * in a session nor written to a log.
 */
export function clientIp(req: Request): string | undefined {
  const { ip } = req;
  return ip !== undefined && isIP(ip) ? ip : undefined;
}

/** The address a client is counted under: as above, else the connection's own (a proxy's, behind one). */
export function countedIp(req: Request): string | undefined {
  return clientIp(req) ?? req.socket.remoteAddress;
}
