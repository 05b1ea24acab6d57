import type { RequestHandler } from 'express';
import cors from 'cors';
import helmet from 'helmet';
import type { Config } from '../../core/config';

/**
 * helmet's defaults suit a JSON API (and the docs page, whose assets are all
 * served from here); HSTS is sent only on HTTPS requests, where it means
 * something (behind a proxy, `TRUST_PROXY` makes X-Forwarded-Proto count).
 */
export function securityHeaders(): RequestHandler[] {
  return [
    helmet({ strictTransportSecurity: false }),
    (req, res, next) => {
      if (req.secure) res.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
      next();
    },
  ];
}

/** CORS for the exact origins in CORS_ORIGINS; any other origin gets no CORS headers at all. */
export function corsAllowlist(config: Pick<Config, 'http'>): RequestHandler {
  const allowed = new Set(config.http.corsOrigins);
  return cors({
    origin: (origin, done) => done(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-None-Match', 'X-Request-Id'],
    exposedHeaders: [
      'ETag',
      'Location',
      'Retry-After',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'RateLimit-Policy',
      'WWW-Authenticate',
      'X-Request-Id',
    ],
    maxAge: 600,
  });
}
