import type { RequestHandler } from 'express';
import cors from 'cors';
import helmet from 'helmet';
import type { Config } from '../../core/config';

/**
 * helmet's defaults suit a JSON API (and the docs page, whose assets are all
 * served from here). What only means something over HTTPS is sent only on
 * HTTPS requests (behind a proxy, `TRUST_PROXY` makes X-Forwarded-Proto
 * count): HSTS, and the CSP's `upgrade-insecure-requests`, which over plain
 * HTTP would have a browser fetch the docs page's assets by https:// from a
 * server that does not speak it (a blank page on any host but loopback).
 */
export function securityHeaders(): RequestHandler[] {
  const secureCsp = helmet.contentSecurityPolicy();
  const plainCsp = helmet.contentSecurityPolicy({ directives: { upgradeInsecureRequests: null } });
  return [
    helmet({ strictTransportSecurity: false, contentSecurityPolicy: false }),
    (req, res, next) => {
      if (!req.secure) return plainCsp(req, res, next);
      res.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
      secureCsp(req, res, next);
    },
  ];
}

/**
 * CORS for the exact origins in CORS_ORIGINS; any other origin gets no CORS
 * headers at all. Whether a response has them then depends on Origin, so
 * every response says `Vary: Origin` to caches: cors itself adds it only to
 * the responses it allows, and a cached answer to another origin (or to none)
 * would otherwise be served to an allowed one, without its CORS headers.
 * Without CORS_ORIGINS no response depends on Origin, and nothing is added.
 */
export function corsAllowlist(config: Pick<Config, 'http'>): RequestHandler {
  const allowed = new Set(config.http.corsOrigins);
  if (allowed.size === 0) return (_req, _res, next) => next();
  const corsHeaders = cors({
    origin: (origin, done) => done(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    // traceparent and tracestate: a browser app's trace continues into this service (W3C Trace Context).
    allowedHeaders: ['Authorization', 'Content-Type', 'If-None-Match', 'X-Request-Id', 'traceparent', 'tracestate'],
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
  return (req, res, next) => {
    res.vary('Origin');
    corsHeaders(req, res, next);
  };
}
