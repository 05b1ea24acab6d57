import type { Request } from 'express';
import { missingPermissions, permissionsOf } from '../core/permissions';
import { clientIp } from './client-ip';
import { isUnavailable } from './middleware/problem';
import type { Principal } from '../models/domain/session';

/** What a handler may know of the request besides its validated input. */
export interface RequestCtx {
  requestId: string;
  /** Only ever an IP address (see clientIp). */
  ip: string | undefined;
  userAgent: string | undefined;
}

export function requestCtx(req: Request): RequestCtx {
  return { requestId: req.id, ip: clientIp(req), userAgent: req.get('user-agent') };
}

/**
 * The validator's handler for the spec's `bearerAuth` scheme: the caller must
 * be authenticated and hold the operation's `x-permissions`. Runs before the
 * request is validated, so an anonymous caller learns nothing from a 400.
 */
export async function bearerAuth(req: Request): Promise<true> {
  try {
    req.principal = req.headers.authorization ? await req.authenticate?.() : undefined;
  } catch (error) {
    // A database outage while checking the token is not the caller's fault: 503, not 401 (which
    // means "log in again"). The validator cannot carry a 503 from here, so the router raises it.
    if (!isUnavailable(error)) throw error;
    req.authUnavailable = error;
    return true;
  }
  if (!req.principal) throw Object.assign(new Error('A valid bearer access token is required.'), { status: 401 });
  const { openapi } = req as { openapi?: { schema?: { 'x-permissions'?: string[] } } };
  const required = openapi?.schema?.['x-permissions'];
  if (missingPermissions(permissionsOf(req.principal.roles), required ?? []).length) {
    throw Object.assign(new Error('You do not have permission to do this.'), { status: 403 });
  }
  return true;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the request-id middleware before anything else runs. */
    id: string;
    /** The caller, once bearerAuth found a valid bearer token for a live session. */
    principal?: Principal;
    /** Set when the token could not be checked because the database is unavailable. */
    authUnavailable?: unknown;
    /** Verifies the bearer token and looks its session up (set by the authenticate middleware). */
    authenticate?: () => Promise<Principal | undefined>;
  }
}
