import type { LogContext, Logger as MikroOrmLogger, LoggerNamespace } from '@mikro-orm/core';
import type { Logger } from '../core/logging';

/** MikroORM logs every statement with its values inlined under these. */
const STATEMENTS = new Set<string>(['query', 'query-params']);

/**
 * MikroORM's own messages, in the JSON log rather than on the console, and never a statement:
 * MIKRO_ORM_DEBUG (which MikroORM reads from the environment and `.env`, over the `debug: false`
 * we give it) would otherwise print each one with its values (login names, password hashes).
 * So statements are dropped whatever the debug mode; deprecations, warnings and errors are kept.
 */
export class OrmLogger implements MikroOrmLogger {
  constructor(private readonly logger?: Logger) {}

  log(namespace: string, message: string, context?: LogContext): void {
    if (!this.isEnabled(namespace as LoggerNamespace, context)) return;
    const level = context?.level === 'error' ? 'error' : 'warn';
    this.logger?.log(level, 'database orm', { namespace, reason: message });
  }

  error(namespace: string, message: string, context?: LogContext): void {
    this.log(namespace, message, { ...context, level: 'error' });
  }

  warn(namespace: string, message: string, context?: LogContext): void {
    this.log(namespace, message, { ...context, level: 'warning' });
  }

  logQuery(): void {
    // never: see above
  }

  setDebugMode(): void {
    // the debug mode cannot turn statements on
  }

  isEnabled(namespace: LoggerNamespace, context?: LogContext): boolean {
    if (STATEMENTS.has(namespace)) return false;
    return namespace === 'deprecated' || context?.level === 'error' || context?.level === 'warning';
  }
}
