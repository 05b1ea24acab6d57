export const CLOCK = Symbol('Clock');

/** The time, injected where a test must choose it (TOTP codes are a function of it). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
