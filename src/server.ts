import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Express } from 'express';
import { answerClientErrors } from './api/client-errors';
import { limitConnectionsPerAddress } from './api/connection-limits';
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
 * How often the server looks for requests past HEADERS_TIMEOUT_MS or
 * REQUEST_TIMEOUT_MS (a connection that has sent nothing yet counts as one
 * whose headers are late). Node's default, 30 s, let a slow client keep its
 * connection up to 30 s past either timeout; this bounds the overrun.
 */
const CONNECTIONS_CHECK_MS = 500;

/**
 * HTTPS when TLS_CERT_FILE/TLS_KEY_FILE are set, else HTTP; timeouts from the
 * settings, enforced to within CONNECTIONS_CHECK_MS (a TLS handshake gets as
 * long as the headers); at most MAX_CONNECTIONS open connections, and
 * MAX_CONNECTIONS_PER_IP from one address; requests its parser refuses are
 * answered as problems too.
 */
export function listen(
  app: Express,
  config: Config,
  lifecycle: Lifecycle,
  logger: Logger,
  metrics: Pick<Metrics, 'onClientError' | 'onConnectionRefused'>,
): Promise<Listening> {
  const { tls, requestTimeoutMs, headersTimeoutMs, maxConnections, maxConnectionsPerIp } = config.http;
  // The checking interval is read only when the server is made.
  const options: http.ServerOptions = {
    connectionsCheckingInterval: CONNECTIONS_CHECK_MS,
    headersTimeout: headersTimeoutMs,
    requestTimeout: requestTimeoutMs,
  };
  const server: http.Server = tls
    ? https.createServer(
        {
          ...options,
          cert: readFileSync(tls.certFile),
          key: readFileSync(tls.keyFile),
          handshakeTimeout: headersTimeoutMs,
        },
        app,
      )
    : http.createServer(options, app);
  server.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  if (maxConnections) {
    server.maxConnections = maxConnections;
    server.on('drop', () => metrics.onConnectionRefused('server'));
  }
  if (maxConnectionsPerIp) {
    limitConnectionsPerAddress(server, maxConnectionsPerIp, () => metrics.onConnectionRefused('per_address'));
  }
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
