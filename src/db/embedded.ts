import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedDatabase {
  /** A postgres:// URL the ordinary driver connects to. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Postgres in WASM (PGlite) behind a Postgres wire-protocol socket, so the
 * application talks to it with the same driver as to a real server.
 * PGlite runs one transaction at a time: clients must keep their pools within
 * `maxConnections`.
 */
export async function startEmbeddedDatabase(options: {
  /** Where data lives; omit for an in-memory database. */
  dataDir?: string;
  maxConnections: number;
  port?: number;
}): Promise<EmbeddedDatabase> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir);
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: options.port ?? 0,
    maxConnections: options.maxConnections,
  });
  await server.start();
  return {
    url: `postgresql://postgres:postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
