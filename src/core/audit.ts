import type { Logger } from './logging';
import type { UnitOfWork } from './unit-of-work';

/** Security-relevant things that happened, one log line each. */
export type AuditEventName =
  | 'login.succeeded'
  | 'login.failed'
  | 'login.throttled'
  | 'login.mfa_required'
  | 'mfa.failed'
  | 'mfa.throttled'
  | 'mfa.enabled'
  | 'mfa.disabled'
  | 'mfa.recovery_codes_replaced'
  | 'reauth.failed'
  | 'reauth.throttled'
  | 'refresh.reuse_detected'
  | 'session.revoked'
  | 'password.changed'
  | 'user.login_changed'
  | 'user.access_changed'
  | 'user.deleted';

type Detail = string | number | boolean | null | string[];

export interface AuditEvent {
  event: AuditEventName;
  /** Who did it: a user id, or null when nobody is authenticated (e.g. a failed login). */
  actor: string | null;
  /** Whom it concerns: a user id, or null when there is no such user. */
  subject: string | null;
  ip: string | undefined;
  /** Never a password or a token. */
  details?: Record<string, Detail>;
}

/** A likely attack rather than ordinary use. */
const WARNINGS: ReadonlySet<AuditEventName> = new Set([
  'refresh.reuse_detected',
  'login.throttled',
  'reauth.throttled',
  'mfa.throttled',
]);

export const AUDIT = Symbol('Audit');

export interface Audit {
  record(event: AuditEvent): void;
}

/**
 * Events that report a change the request makes: written once it is
 * committed, so the trail never shows a change that did not stick. The others
 * report an attempt, refused or not, and are written at once (the request fails).
 */
const CHANGES: ReadonlySet<AuditEventName> = new Set([
  'login.succeeded',
  'session.revoked',
  'password.changed',
  'user.login_changed',
  'user.access_changed',
  'user.deleted',
  'mfa.enabled',
  'mfa.disabled',
  'mfa.recovery_codes_replaced',
]);

/** Writes each event as one log line (the request id is added by the logger); then tells the listeners. */
export class LogAudit implements Audit {
  constructor(
    private readonly logger: Logger,
    private readonly uow: Pick<UnitOfWork, 'afterCommit'>,
    private readonly listeners: ((event: AuditEvent) => void)[] = [],
  ) {}

  record(event: AuditEvent): void {
    if (CHANGES.has(event.event)) this.uow.afterCommit(() => this.write(event));
    else this.write(event);
  }

  private write({ event, actor, subject, ip, details }: AuditEvent): void {
    const level = WARNINGS.has(event) ? 'warn' : 'info';
    this.logger.log(level, `audit ${event}`, {
      ...details,
      audit: event,
      actor_id: actor,
      subject_id: subject,
      ip: ip ?? null,
    });
    for (const listener of this.listeners) listener({ event, actor, subject, ip, details });
  }
}
