/**
 * The servers a run starts, and what /proc says about them. Each server runs
 * in a process group of its own, so stopping it reaches every cluster worker
 * too; every server started is stopped on exit, on error and on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { root } from '../lib/run';
import { settings } from './settings';

export interface Server {
  name: string;
  base: string;
  process: ChildProcess;
}

const MASTER_KEY = randomBytes(32).toString('base64');
const running = new Set<ChildProcess>();
let stopping = false;

/**
 * The compiled service as production runs it: stdout (the access log, at the default level) goes to /dev/null.
 * `entry`: another build's, to compare with.
 */
export async function startService(
  name: string,
  env: Record<string, string>,
  entry = 'dist/src/main.js',
): Promise<Server> {
  const port = await freePort();
  const server = launch(name, port, [entry], {
    NODE_ENV: 'production',
    ALLOW_INSECURE_HTTP: 'true',
    MASTER_KEY,
    ...env,
  });
  await waitFor(server, '/readyz');
  return server;
}

/** The bare node:http + pg peer, answering GET /users/<userId>. */
export async function startBarePeer(databaseUrl: string, userId: string): Promise<Server> {
  const port = await freePort();
  const server = launch('bare peer', port, [join('scripts', 'bench', 'bare-peer.js')], { DATABASE_URL: databaseUrl });
  await waitFor(server, `/users/${userId}`);
  return server;
}

function launch(name: string, port: number, args: string[], env: Record<string, string>): Server {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', logFile(name), 'inherit'],
    detached: true, // its own process group: one signal reaches a cluster primary and all its workers
  });
  running.add(child);
  child.once('exit', (code, signal) => {
    // Before stopAll, an exit is a crash (or someone else's kill): say so, or the next figure is a mystery.
    if (running.delete(child) && !stopping) console.error(`${name} exited unexpectedly (${signal ?? `code ${code}`})`);
  });
  return { name, base: `http://127.0.0.1:${port}`, process: child };
}

/** Where a server's stdout (its log) goes: /dev/null, as a production log shipper costs about nothing; a file to debug. */
function logFile(name: string): 'ignore' | number {
  if (!settings.serverLogs) return 'ignore';
  return openSync(join(settings.serverLogs, `${name.replace(/\W+/g, '-')}.log`), 'a');
}

async function waitFor(server: Server, path: string): Promise<void> {
  for (let waited = 0; waited < 60_000; waited += 200) {
    if (server.process.exitCode !== null) throw new Error(`${server.name} exited with ${server.process.exitCode}`);
    const answer = await fetch(server.base + path).catch(() => undefined);
    if (answer?.status === 200) return;
    await sleep(200);
  }
  throw new Error(`${server.name} did not answer 200 on ${path} within 60 s`);
}

/**
 * A clustered service answers as soon as its first worker listens: wait for the
 * rest. No child process at all means it runs unclustered (the setting is not
 * supported), and waiting longer would not change that.
 */
export async function waitForWorkers(server: Server, workers: number): Promise<number> {
  const count = () => descendants(server.process.pid!).length;
  for (let waited = 0; count() > 0 && count() < workers && waited < 30_000; waited += 200) await sleep(200);
  return Math.max(1, count());
}

/** Stops every server started: SIGTERM to its group, SIGKILL to what is left after 10 s. */
export async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all([...running].map((child) => stop(child)));
  stopping = false;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  signalGroup(child, 'SIGKILL'); // workers a primary left behind
}

/** Last resort when the run ends without stopAll (an exception inside exit handling, process.exit). */
export function killAllNow(): void {
  for (const child of running) signalGroup(child, 'SIGKILL');
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is already gone
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Every process below pid (a cluster primary's workers), from /proc/<pid>/task/<tid>/children. */
export function descendants(pid: number): number[] {
  const tasks = join('/proc', String(pid), 'task');
  const children = (existsSync(tasks) ? readdirSync(tasks) : []).flatMap((tid) =>
    readProc(join(tasks, tid, 'children'))
      .split(/\s+/)
      .filter(Boolean)
      .map(Number),
  );
  return children.flatMap((child) => [child, ...descendants(child)]);
}

const CLOCK_TICKS_PER_S = 100; // USER_HZ: 100 on every Linux architecture Node runs on

/** CPU time (user + system, µs) of pid and all its descendants, from /proc/<pid>/stat. */
export function cpuMicros(pid: number): number {
  return [pid, ...descendants(pid)].reduce((sum, p) => sum + ticks(p), 0) * (1e6 / CLOCK_TICKS_PER_S);
}

function ticks(pid: number): number {
  const stat = readProc(`/proc/${pid}/stat`);
  if (!stat) return 0;
  // The command name (field 2) may hold spaces: count fields from after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime and stime, fields 14 and 15
}

/** Resident set size in MB of pid and all its descendants. */
export function rssMb(pid: number): number {
  return [pid, ...descendants(pid)].reduce((sum, p) => {
    const status = readProc(`/proc/${p}/status`);
    return sum + Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  }, 0);
}

/** A /proc file's text, or '' when its process (or thread) is gone: they come and go as we read. */
function readProc(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
