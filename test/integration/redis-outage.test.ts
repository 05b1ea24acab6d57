import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { TcpProxy } from '../support/tcp-proxy';

const redisUrl = process.env.REDIS_URL;

/** Redis behind a proxy the test can break: the service keeps serving, and keeps limiting, in memory. */
(redisUrl ? describe : describe.skip)('when Redis goes away', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  beforeAll(async () => {
    const target = new URL(redisUrl ?? 'redis://127.0.0.1:6379');
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
    t = await startTestApp({
      env: { REDIS_URL: proxy.proxied(target.toString()), RATE_LIMIT_PER_IP: '5/1m', TRUST_PROXY: 'loopback' },
    });
  });
  afterAll(async () => {
    await t.close();
    await proxy.stop();
  });

  /** Each case comes from an address of its own, so that the counts start at zero. */
  const timed = async (path: string, from = '192.0.2.1') => {
    const started = Date.now();
    const res = await request(t.app).get(path).set('X-Forwarded-For', from);
    return { status: res.status, ms: Date.now() - started, body: res.body as { checks?: Record<string, unknown> } };
  };

  it.each([
    ['cut', '198.51.100.1'],
    ['stall', '198.51.100.2'],
  ] as const)(
    '%s: readiness says so, requests are answered fast and still limited; then it heals',
    async (mode, from) => {
      expect((await timed('/readyz')).status).toBe(200);
      await proxy.set(mode);

      const ready = await timed('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks).toMatchObject({ database: { status: 'ok' }, redis: { status: 'failing' } });
      // counted in this instance's memory meanwhile: 5 pass, the 6th is refused
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await timed('/openapi.json', from);
        expect(res.ms).toBeLessThan(1_000);
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);

      await proxy.set('pass');
      const healed = Date.now();
      while ((await timed('/readyz')).status !== 200) {
        expect(Date.now() - healed).toBeLessThan(10_000);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    30_000,
  );
});
