import {
  chmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config } from '../core/config';
import type { Logger } from '../core/logging';
import { StartupError } from '../core/startup';

/** Who holds DATA_DIR: written to its lock file, read by whoever finds it taken. */
export interface LockHolder {
  pid: number;
  /** What the holder runs: the server, or a CLI command. */
  role: string;
  host: string;
  /** The process's start time as the kernel counts it (Linux), so that a reused PID is not mistaken for the holder. */
  started: string | null;
  since: string;
}

export interface DataDirLock {
  readonly holder: LockHolder;
  /** Removes the lock file; also done on any exit of the process. Idempotent. */
  release(): void;
}

const LOCK_FILE = 'gatehouse.lock';
/** Taken while a stale lock is removed, so that two processes breaking it cannot both win. */
const BREAKING_FILE = 'gatehouse.lock.breaking';
/** A breaking marker older than this was left by a process that died in those few microseconds. */
const BREAKING_STALE_MS = 5_000;

/** The locks this process holds, by folder: claiming one again hands out the same. */
const claims = new Map<string, DataDirLock>();

/**
 * For the embedded database: makes DATA_DIR private and takes its lock, so
 * that nothing else opens the same data; `role` says who holds it (the
 * server, a command line) to whoever finds it taken. Released on exit, or by
 * `release`. Nothing to claim with DATABASE_URL.
 */
export function claimDataDir(settings: Config['database'], logger: Logger, role: string): DataDirLock | undefined {
  if (settings.url) return undefined;
  const key = resolve(settings.dataDir);
  const existing = claims.get(key);
  if (existing) return existing;
  if (prepareDataDir(settings.dataDir)) {
    logger.warn('DATA_DIR was open to other users: made it and its files private to this user', {
      data_dir: settings.dataDir,
    });
  }
  const lock = lockDataDir(settings.dataDir, role);
  const claimed: DataDirLock = {
    holder: lock.holder,
    release() {
      claims.delete(key);
      lock.release();
    },
  };
  claims.set(key, claimed);
  return claimed;
}

/**
 * Makes DATA_DIR (0700) and keeps it private: a folder that other users could
 * read (an older version made it 0755, the database's files 0666) is closed,
 * files and folders inside it too. Returns whether it had to close it.
 */
export function prepareDataDir(dataDir: string): boolean {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if ((statSync(dataDir).mode & 0o077) === 0) return false;
  makePrivate(dataDir);
  return true;
}

/** Takes group and other permissions off everything under `path` (the embedded database makes files 0666). */
export function makePrivate(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.mode & 0o077) chmodSync(path, stat.mode & 0o700);
  if (stat.isDirectory()) for (const name of readdirSync(path)) makePrivate(join(path, name));
}

/**
 * One process at a time uses an embedded database: a lock file in DATA_DIR
 * names the holder. A lock whose process is gone (killed, crashed, or a
 * container restarted under the same PID) is stale and taken over; a lock
 * held by a live process fails with StartupError naming its PID.
 */
export function lockDataDir(dataDir: string, role: string): DataDirLock {
  const file = join(dataDir, LOCK_FILE);
  const holder: LockHolder = {
    pid: process.pid,
    role,
    host: hostname(),
    started: processStart(process.pid),
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (create(file, holder)) return held(file, holder);
    const current = readHolder(file);
    if (current && isAlive(current)) throw busy(dataDir, current, role);
    if (!breakStale(dataDir, file, current)) pause(50);
  }
  throw new StartupError(`could not lock DATA_DIR ${dataDir}: its lock file ${file} keeps changing`, 'DATA_DIR');
}

/** Written whole to a file of our own, then linked into place: a reader never sees a half-written lock. */
function create(file: string, holder: LockHolder): boolean {
  const mine = `${file}.${process.pid}`;
  writeFileSync(mine, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
  try {
    linkSync(mine, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(mine);
  }
}

function held(file: string, holder: LockHolder): DataDirLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    // Only our own lock: after a takeover the file may be another process's.
    if (readHolder(file)?.pid === holder.pid) removeIfThere(file);
  };
  process.on('exit', release);
  return { holder, release };
}

function readHolder(file: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof parsed.pid === 'number' ? (parsed as LockHolder) : null;
  } catch {
    return null;
  }
}

function isAlive(holder: LockHolder): boolean {
  // Another host's process cannot be checked from here: its lock stands until it is removed by hand.
  if (holder.host !== hostname()) return true;
  // Our own PID in the file is a previous life of this process's PID (a restarted container's PID 1).
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = processStart(holder.pid);
  return !(holder.started && started && holder.started !== started);
}

/** Removes the stale lock unless another process is doing so (false: try again shortly). */
function breakStale(dataDir: string, file: string, stale: LockHolder | null): boolean {
  const marker = join(dataDir, BREAKING_FILE);
  try {
    writeFileSync(marker, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const since = statSync(marker, { throwIfNoEntry: false })?.mtimeMs;
    if (since !== undefined && Date.now() - since > BREAKING_STALE_MS) removeIfThere(marker);
    return false;
  }
  try {
    // Still the lock we judged stale (or still unreadable): nobody took it over in between.
    if (JSON.stringify(readHolder(file)) === JSON.stringify(stale)) removeIfThere(file);
  } finally {
    removeIfThere(marker);
  }
  return true;
}

function removeIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** A short synchronous wait: locking happens once, at start-up, before anything else runs. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function busy(dataDir: string, holder: LockHolder, role: string): StartupError {
  const here = holder.host === hostname();
  const where = here ? '' : ` on host ${holder.host}`;
  const remedy = !here
    ? `stop it, or remove ${join(dataDir, LOCK_FILE)} if that host is gone`
    : role === 'server'
      ? 'stop it, or set DATA_DIR to another folder'
      : 'stop it, then run this command again';
  return new StartupError(
    `DATA_DIR ${dataDir} is in use by the Gatehouse ${holder.role} with PID ${holder.pid}${where} (since ${holder.since}): one process at a time can use an embedded database; ${remedy}`,
    'DATA_DIR',
  );
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks after boot; null where unknown. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
