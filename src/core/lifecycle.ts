export const LIFECYCLE = Symbol('Lifecycle');

/** Process-wide state the probes report: once shutting down, readiness fails so traffic moves elsewhere. */
export class Lifecycle {
  private stopping = false;

  get shuttingDown(): boolean {
    return this.stopping;
  }

  beginShutdown(): void {
    this.stopping = true;
  }
}
