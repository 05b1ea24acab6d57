import type { Request } from 'express';

/** What a handler may know of the request besides its validated input. */
export interface RequestCtx {
  requestId: string;
  ip: string | undefined;
  userAgent: string | undefined;
}

export function requestCtx(req: Request): RequestCtx {
  return { requestId: req.id, ip: req.ip, userAgent: req.get('user-agent') };
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the request-id middleware before anything else runs. */
    id: string;
  }
}
