import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Express } from 'express';
import { answerClientErrors } from './api/client-errors';
import type { Config } from './core/config';
import type { Lifecycle } from './core/lifecycle';
import type { Logger } from './core/logging';
import type { Metrics } from './core/metrics';
import { listenError } from './core/startup';

export interface Listening {
  server: http.Server;
  /** Readiness fails, the server stops accepting, in-flight requests finish (bounded), then `done` runs. */
  shutdown(signal: string, done: () => Promise<void>): Promise<void>;
}

/**
 * HTTPS when TLS_CERT_FILE/TLS_KEY_FILE are set, else HTTP; timeouts from the
 * settings; requests its parser refuses are answered as problems too.
 */
export function listen(
  app: Express,
  config: Config,
  lifecycle: Lifecycle,
  logger: Logger,
  metrics: Pick<Metrics, 'onClientError'>,
): Promise<Listening> {
  const { tls } = config.http;
  const server: http.Server = tls
    ? https.createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, app)
    : http.createServer(app);
  server.requestTimeout = config.http.requestTimeoutMs;
  server.headersTimeout = config.http.headersTimeoutMs;
  server.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  server.on('clientError', answerClientErrors(logger, metrics.onClientError));

  const shutdown = async (signal: string, done: () => Promise<void>) => {
    logger.info('shutting down: readiness now fails', { signal, delay_ms: config.http.shutdownDelayMs });
    lifecycle.beginShutdown();
    await new Promise((r) => setTimeout(r, config.http.shutdownDelayMs));
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeIdleConnections();
    const force = setTimeout(() => {
      logger.warn('shutdown timeout: closing the connections still open', {
        timeout_ms: config.http.shutdownTimeoutMs,
      });
      server.closeAllConnections();
    }, config.http.shutdownTimeoutMs);
    await closed;
    clearTimeout(force);
    await done();
    logger.info('shut down');
  };

  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(listenError(error, config.host, config.port));
    server.once('error', failed);
    server.listen(config.port, config.host, () => {
      server.off('error', failed);
      const scheme = tls ? 'https' : 'http';
      logger.info('listening', { url: `${scheme}://${config.host}:${config.port}`, env: config.env });
      resolve({ server, shutdown });
    });
  });
}
