import request from 'supertest';
import { parse } from 'yaml';
import spec from '../../generated/openapi.json';
import { startTestApp, type TestApp } from '../support/app';
import { expectProblem } from '../support/problem';
import { testDatabaseUrl } from '../support/test-database';

// Without Redis, whatever the environment says: readiness then has no redis check (see rate-limits.test.ts).
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { REDIS_URL: '' } });
});
afterAll(() => t.close());

describe('probes', () => {
  it('GET /healthz is 200', async () => {
    const res = await request(t.app).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /healthz touches nothing, even when a bearer token comes with it', async () => {
    const queries: string[] = [];
    const knex = t.database.orm.em.getConnection().getKnex();
    const record = (q: { sql: string }) => queries.push(q.sql);
    knex.on('query', record);
    try {
      await request(t.app).get('/healthz').set('authorization', 'Bearer abc.def.ghi').expect(200);
    } finally {
      knex.removeListener('query', record);
    }
    expect(queries).toEqual([]);
  });

  it('GET /readyz is 200 when the database answers and no migration is pending', async () => {
    const res = await request(t.app).get('/readyz').expect(200);
    expect(res.body).toEqual({
      status: 'ready',
      checks: {
        database: { status: 'ok' },
        migrations: { status: 'ok' },
        circuit: { status: 'ok' },
        shutdown: { status: 'ok' },
        signing_keys: { status: 'ok' },
      },
    });
  });

  it('GET /readyz is 503 while migrations are pending', async () => {
    const unmigrated = await startTestApp({ databaseUrl: testDatabaseUrl('empty'), env: { REDIS_URL: '' } });
    try {
      const problem = expectProblem(await request(unmigrated.app).get('/readyz'), 503);
      expect(problem.checks).toEqual({
        database: { status: 'ok' },
        migrations: { status: 'failing', detail: expect.any(String) },
        circuit: { status: 'ok' },
        shutdown: { status: 'ok' },
        signing_keys: { status: 'failing', detail: 'unknown until the migrations are applied' },
      });
      expect((await request(unmigrated.app).get('/healthz')).status).toBe(200);
    } finally {
      await unmigrated.close();
    }
  });

  it('GET /readyz is 503 when the database is unreachable, saying nothing of where it is', async () => {
    const offline = await startTestApp({ databaseUrl: 'postgresql://nobody@127.0.0.1:1/none', env: { REDIS_URL: '' } });
    try {
      const res = await request(offline.app).get('/readyz');
      const problem = expectProblem(res, 503);
      expect(problem.checks).toEqual({
        database: { status: 'failing', detail: expect.any(String) },
        migrations: { status: 'failing', detail: expect.any(String) },
        circuit: { status: 'ok' },
        shutdown: { status: 'ok' },
        signing_keys: { status: 'failing', detail: 'unknown while the database does not answer' },
      });
      expect(res.text).not.toContain('127.0.0.1');
      expect(res.text).not.toContain('ECONNREFUSED');
      expect((await request(offline.app).get('/healthz')).status).toBe(200);
    } finally {
      await offline.close();
    }
  });
});

describe('served API description', () => {
  it('GET /openapi.json is the bundled spec', async () => {
    const res = await request(t.app).get('/openapi.json').expect(200);
    expect(res.body).toEqual(spec);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
  });

  it('serves of the swagger-ui package only the files the docs page loads', async () => {
    const others = [
      'index.html',
      'oauth2-redirect.html',
      'swagger-initializer.js',
      'swagger-ui-es-bundle.js',
      'swagger-ui-bundle.js.map',
      'swagger-ui.css.map',
      'package.json',
      'README.md',
      'favicon-32x32.png',
      '',
    ];
    for (const file of others) {
      const res = await request(t.app).get(`/docs/assets/${file}`);
      expect({ file, status: res.status }).toEqual({ file, status: 404 });
    }
    for (const file of ['swagger-ui.css', 'swagger-ui-bundle.js', 'init.js']) {
      const res = await request(t.app).get(`/docs/assets/${file}`);
      expect({ file, status: res.status }).toEqual({ file, status: 200 });
    }
  });

  it('GET /openapi.yaml is the same document as YAML', async () => {
    const res = await request(t.app).get('/openapi.yaml').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/yaml/);
    expect(parse(res.text)).toEqual(spec);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
  });

  it('GET /docs is an HTML page whose assets are served here, not from a CDN', async () => {
    const res = await request(t.app).get('/docs').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const assets = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset.startsWith('/')).toBe(true);
      const served = await request(t.app).get(asset);
      expect({ asset, status: served.status }).toEqual({ asset, status: 200 });
      expect(served.headers['cache-control']).toMatch(/^public, max-age=\d+/);
    }
  });
});
