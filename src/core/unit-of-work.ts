export const UNIT_OF_WORK = Symbol('UnitOfWork');

/**
 * One request, one unit of work: `run` gives `work` a fresh persistence
 * context and commits what it staged only if `work` resolves.
 */
export interface UnitOfWork {
  run<T>(work: () => Promise<T>): Promise<T>;
}
