import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Logger } from '../core/logging';
import { StartupError } from '../core/startup';
import { makePrivate } from './data-dir';

export interface EmbeddedDatabase {
  /** A postgres:// URL the ordinary driver connects to. */
  url: string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL's default (128MB) is memory the WASM heap takes at once and never gives back:
 * ≈ 110 MB of resident memory. The embedded database serves development-sized data, which
 * the operating system's file cache keeps close anyway.
 */
const SHARED_BUFFERS = '16MB';

/**
 * Creating a data directory runs initdb in a second PGlite instance, which leaves the
 * process ≈ 450 MB larger for good (WASM memory never shrinks). A child process that exits
 * afterwards keeps that peak out of the server.
 */
const CREATE_DATA_DIR = `
const { PGlite } = require(process.argv[1]);
PGlite.create(process.argv[2]).then((db) => db.close()).then(
  () => process.exit(0),
  (error) => { console.error(error); process.exit(1); },
);`;

/** PostgreSQL's name for its socket in a folder, which is where node-postgres looks for it. */
const SOCKET_PORT = 5432;
const SOCKET_NAME = `.s.PGSQL.${SOCKET_PORT}`;
/** sun_path holds 108 bytes with its terminating zero. */
const MAX_SOCKET_PATH = 107;

/**
 * Postgres in WASM (PGlite) behind a Postgres wire-protocol socket, so the
 * application talks to it with the same driver as to a real server.
 * PGlite runs one transaction at a time: clients must keep their pools within
 * `maxConnections`.
 *
 * The socket server asks for no password, so with a data directory it listens
 * on a Unix socket inside it: DATA_DIR is 0700 (see prepareDataDir), so no
 * other local user can reach it. The caller holds DATA_DIR's lock. Without a
 * data directory (tests), on a loopback TCP port.
 */
export async function startEmbeddedDatabase(options: {
  /** Where data lives; omit for an in-memory database. */
  dataDir?: string;
  maxConnections: number;
  port?: number;
  /** Says what takes time: creating or opening the data directory. */
  logger?: Logger;
}): Promise<EmbeddedDatabase> {
  const { dataDir, logger } = options;
  const socketDir = dataDir && resolve(dataDir);
  if (socketDir && join(socketDir, SOCKET_NAME).length > MAX_SOCKET_PATH) {
    throw new StartupError(
      `DATA_DIR ${socketDir} is too long a path for the embedded database's socket (at most ${MAX_SOCKET_PATH - SOCKET_NAME.length - 1} characters): choose a shorter DATA_DIR`,
      'DATA_DIR',
    );
  }
  if (dataDir) {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await createDataDir(dataDir, logger);
    // PGlite makes its files 0666; DATA_DIR (0700) already keeps other users out, and this keeps the files private too.
    makePrivate(dataDir);
    logger?.info(`opening the embedded database in ${dataDir}`, { data_dir: dataDir });
  }
  const started = performance.now();
  const db = await PGlite.create(dataDir, {
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`],
  });
  const where = socketDir ? { path: join(socketDir, SOCKET_NAME) } : { host: '127.0.0.1', port: options.port ?? 0 };
  // A socket left by a process that was killed: the DATA_DIR lock says none is using it.
  if (where.path) rmSync(where.path, { force: true });
  const server = new PGLiteSocketServer({ db, ...where, maxConnections: options.maxConnections });
  await server.start();
  logger?.info('embedded database started (set DATABASE_URL to use PostgreSQL)', {
    data_dir: dataDir ?? null,
    duration_ms: Math.round(performance.now() - started),
  });
  // node-postgres takes a host that is a folder as the folder of a Unix socket named for the port.
  const host = socketDir ? `${encodeURIComponent(socketDir)}:${SOCKET_PORT}` : server.getServerConn();
  return {
    url: `postgresql://postgres:postgres@${host}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

async function createDataDir(dataDir: string, logger?: Logger): Promise<void> {
  logger?.info(`creating the embedded database in ${dataDir} (first start; takes a few seconds)`, {
    data_dir: dataDir,
  });
  const started = performance.now();
  try {
    await promisify(execFile)(process.execPath, [
      '-e',
      CREATE_DATA_DIR,
      require.resolve('@electric-sql/pglite'),
      dataDir,
    ]);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`could not create the embedded database in ${dataDir}${stderr ? `: ${stderr}` : ''}`, {
      cause: error,
    });
  }
  logger?.info('embedded database created', {
    data_dir: dataDir,
    duration_ms: Math.round(performance.now() - started),
  });
}
