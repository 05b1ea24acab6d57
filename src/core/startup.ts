import { createServer } from 'node:net';
import { safeMessage, safeStack } from './error-description';

/**
 * A reason the process cannot start that the operator can fix: the message
 * names the problem, and `setting` the variable to change. main prints it as
 * one line and exits 1.
 */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly setting?: string,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

/**
 * Fails at once when HOST:PORT cannot be listened on, before seconds go into
 * opening the database; the server's own listen reports the same way should
 * the port be taken in between.
 */
export async function assertCanListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  }).catch((error: unknown) => {
    throw listenError(error, host, port);
  });
}

/** The listen error of HOST:PORT said as a StartupError, when it is one an operator can fix. */
export function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE')
    return new StartupError(
      `${where} is already in use by another process: set PORT to a free port, or stop that process`,
      'PORT',
    );
  if (code === 'EACCES')
    return new StartupError(
      `not allowed to listen on ${where} (ports below 1024 need privileges): set PORT to 1024 or above`,
      'PORT',
    );
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new StartupError(`cannot listen on ${where}: HOST is not an address of this machine`, 'HOST');
  }
  return error;
}

/** The one line that says why the process could not start. Unexpected errors keep their stack, as a field. */
export function fatalLine(error: unknown): Record<string, unknown> {
  if (error instanceof StartupError) {
    return {
      level: 'error',
      message: `cannot start: ${error.message}`,
      ...(error.setting ? { setting: error.setting } : {}),
    };
  }
  // A failed migration or first-admin insert would otherwise print its statement, values and all.
  return { level: 'error', message: `cannot start: ${safeMessage(error)}`, stack: safeStack(error) };
}
