import { setFlagsFromString } from 'node:v8';

/**
 * Without a limit, V8 lets the old generation grow to about four times what
 * survived its last full collection before collecting again: a process whose
 * live heap is ≈ 40 MB sat at ≈ 290 MB after 100,000 requests. Growing by at
 * most 40% each time keeps it near what it uses (see docs/startup-and-memory.md);
 * this flag is read at each collection, so setting it at start-up is enough.
 */
export function boundHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=40');
}

/**
 * glibc raises its mmap threshold after the first large block is freed, so the
 * 19 MiB each argon2 hash allocates then comes from the heap and stays resident
 * after use (≈ 19 MiB per thread-pool thread that hashed). glibc reads this
 * variable only when a process starts: `make run`, `npm start` and the cluster
 * primary (for its workers) set it.
 */
export const MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '1048576' } as const;
