/**
 * Load generation: wrk when it is installed (a C load generator leaves the
 * cores to the servers), else autocannon, which runs inside this process.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import autocannonPackage from 'autocannon/package.json';
import { settings } from './settings';

export interface Request {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface Load {
  requests: number;
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers other than 2xx, plus socket errors and timeouts: any makes the figures meaningless. */
  failures: number;
}

/** The generator this run uses, with its version, e.g. `wrk debian/4.1.0-3`. */
export const loadGenerator =
  findWrk() ??
  `autocannon ${autocannonPackage.version} (${settings.loadGenerator === 'autocannon' ? 'as asked' : 'no wrk'})`;
const useWrk = loadGenerator.startsWith('wrk');

export function load(request: Request, seconds: number): Promise<Load> {
  return useWrk ? wrk(request, seconds) : cannon(request, seconds);
}

function findWrk(): string | undefined {
  if (settings.loadGenerator === 'autocannon') return undefined;
  try {
    execFileSync('wrk', ['-v'], { stdio: 'pipe' });
  } catch (error) {
    // `wrk -v` prints its version and exits 1; a missing binary has no output at all.
    const banner = (error as { stdout?: Buffer }).stdout?.toString() ?? '';
    return /^wrk (\S+)/.exec(banner)?.[0];
  }
  return undefined;
}

async function wrk(request: Request, seconds: number): Promise<Load> {
  // wrk sends a body, and any method but GET, only from a Lua script.
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-wrk-'));
  const script = join(dir, 'request.lua');
  writeFileSync(script, luaScript(request));
  const args = [`-t${settings.threads}`, `-c${settings.connections}`, `-d${seconds}s`, '--timeout', '10s', '--latency'];
  try {
    const { stdout } = await promisify(execFile)('wrk', [...args, '-s', script, request.url]);
    return parseWrk(stdout);
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw stderr ? new Error(`wrk ${request.url}: ${stderr.trim()}`) : error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function luaScript(request: Request): string {
  const lines = [`wrk.method = ${lua(request.method ?? 'GET')}`];
  if (request.body !== undefined) lines.push(`wrk.body = ${lua(request.body)}`);
  for (const [name, value] of Object.entries(request.headers ?? {}))
    lines.push(`wrk.headers[${lua(name)}] = ${lua(value)}`);
  return lines.join('\n') + '\n';
}

/** A Lua string literal (JSON's escapes for quotes, backslashes and control characters are valid Lua). */
function lua(text: string): string {
  return JSON.stringify(text);
}

/** Reads wrk's --latency report: the request count, req/s, percentiles, failures. */
export function parseWrk(output: string): Load {
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? NaN);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const result = {
    requests: number(/(\d+) requests in/),
    requestsPerS: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: latencyMs(/^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output)),
    p99Ms: latencyMs(/^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output)),
    failures:
      Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0) +
      (socketErrors?.slice(1).reduce((sum, n) => sum + Number(n), 0) ?? 0),
  };
  if (Object.values(result).some(Number.isNaN)) throw new Error(`unexpected wrk output:\n${output}`);
  return result;
}

function latencyMs(match: RegExpExecArray | null): number {
  if (!match) return NaN;
  const toMs: Record<string, number> = { us: 1e-3, ms: 1, s: 1e3, m: 60e3 };
  return Number(match[1]) * toMs[match[2]!]!;
}

async function cannon(request: Request, seconds: number): Promise<Load> {
  const result = await autocannon({
    url: request.url,
    method: request.method ?? 'GET',
    headers: request.headers ?? {},
    ...(request.body === undefined ? {} : { body: request.body }),
    connections: settings.connections,
    duration: seconds,
    timeout: 10,
  });
  return {
    requests: result.requests.total,
    requestsPerS: result.requests.total / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}
