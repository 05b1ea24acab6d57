import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { StartupError } from '../../src/core/startup';
import { lockDataDir, prepareDataDir, type LockHolder } from '../../src/db/data-dir';

const root = resolve(__dirname, '../..');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lockFile = () => join(dir, 'gatehouse.lock');
const holderIn = (): LockHolder => JSON.parse(readFileSync(lockFile(), 'utf8')) as LockHolder;
const writeHolder = (holder: Partial<LockHolder>) =>
  writeFileSync(
    lockFile(),
    JSON.stringify({ role: 'server', host: hostname(), started: null, since: '2026-01-01T00:00:00.000Z', ...holder }),
  );

/** A process that is surely gone: one that ran and exited. */
async function deadPid(): Promise<number> {
  const child = execFile(process.execPath, ['-e', '0']);
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

describe('DATA_DIR lock', () => {
  it('is held by one process: a second claim fails naming the holder, and release frees it', () => {
    const lock = lockDataDir(dir, 'server');
    expect(holderIn()).toMatchObject({ pid: process.pid, role: 'server', host: hostname() });
    expect(statSync(lockFile()).mode & 0o777).toBe(0o600);
    // A live holder (here a process that is not this one: the parent of jest's worker).
    writeHolder({ pid: process.ppid, role: 'server', started: null });
    expect(() => lockDataDir(dir, 'command line (migrate)')).toThrow(StartupError);
    expect(() => lockDataDir(dir, 'command line (migrate)')).toThrow(
      new RegExp(`in use by the Gatehouse server with PID ${process.ppid} .*stop it, then run this command again`),
    );
    // Release removes only a lock that is still ours.
    lock.release();
    expect(holderIn().pid).toBe(process.ppid);
  });

  it('takes over a lock whose process is gone, or whose PID now belongs to another process', async () => {
    writeHolder({ pid: await deadPid() });
    const first = lockDataDir(dir, 'server');
    expect(holderIn().pid).toBe(process.pid);
    first.release();
    expect(() => statSync(lockFile())).toThrow(/ENOENT/);

    // The PID is alive, but it started at another time: the holder died and the PID was reused.
    writeHolder({ pid: process.ppid, started: '1' });
    lockDataDir(dir, 'server').release();

    // This very PID in the file: a previous life of this process (a container's PID 1 restarted).
    writeHolder({ pid: process.pid, role: 'server' });
    lockDataDir(dir, 'server').release();
  });

  it('leaves a lock taken on another host alone, and says how to clear it', () => {
    writeHolder({ pid: 1, host: 'elsewhere' });
    expect(() => lockDataDir(dir, 'server')).toThrow(/with PID 1 on host elsewhere .*remove .*gatehouse.lock/);
  });

  it('gives a stale lock to exactly one of several processes that find it at once', async () => {
    writeHolder({ pid: await deadPid() });
    const claim = `
      require('tsx/cjs');
      const { lockDataDir } = require('./src/db/data-dir.ts');
      try { lockDataDir(process.argv[1], 'server'); console.log('held'); setTimeout(() => {}, 1500); }
      catch (e) { console.log(e.message); }`;
    const runs = await Promise.all(
      Array.from({ length: 5 }, () => promisify(execFile)(process.execPath, ['-e', claim, dir], { cwd: root })),
    );
    const outputs = runs.map((r) => r.stdout.trim());
    expect(outputs.filter((o) => o === 'held')).toHaveLength(1);
    for (const refused of outputs.filter((o) => o !== 'held'))
      expect(refused).toMatch(/is in use by the Gatehouse server/);
  }, 30_000);
});

describe('prepareDataDir', () => {
  it('makes DATA_DIR 0700, and closes one an older version left open, files included', () => {
    const fresh = join(dir, 'fresh');
    expect(prepareDataDir(fresh)).toBe(false);
    expect(statSync(fresh).mode & 0o777).toBe(0o700);

    const open = join(dir, 'open');
    mkdirSync(join(open, 'base'), { recursive: true });
    writeFileSync(join(open, 'base', '1259'), 'rows');
    chmodSync(join(open, 'base', '1259'), 0o666);
    chmodSync(join(open, 'base'), 0o755);
    chmodSync(open, 0o755);
    expect(prepareDataDir(open)).toBe(true);
    for (const path of [open, join(open, 'base')]) expect(statSync(path).mode & 0o777).toBe(0o700);
    expect(statSync(join(open, 'base', '1259')).mode & 0o777).toBe(0o600);
  });
});
