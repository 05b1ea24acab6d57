import type { Worker } from 'node:cluster';
import { COLLECT_TIMEOUT_MS, MetricsAggregator } from '../../src/core/cluster-metrics';
import { createLogger } from '../../src/core/logging';
import { Metrics } from '../../src/core/metrics';

/** A worker whose IPC goes straight back to the aggregator, answering with `metrics`' registry (or never). */
function fakeWorker(id: number, metrics: Metrics | undefined, aggregator: () => MetricsAggregator): Worker {
  const worker = {
    id,
    process: { pid: 1000 + id },
    send(message: { type: string; id: number }) {
      if (message.type === 'gatehouse:metrics:collect' && metrics) {
        void metrics.registry.getMetricsAsJSON().then((collected) => {
          aggregator().onMessage(worker, { type: 'gatehouse:metrics:collected', id: message.id, metrics: collected });
        });
      }
      if (message.type === 'gatehouse:metrics:scraped') answers.get(message.id)?.(message as Answer);
      return true;
    },
  } as unknown as Worker;
  return worker;
}
type Answer = { text?: string; error?: string };
const answers = new Map<number, (answer: Answer) => void>();
let scrapes = 0;

/** What the primary answers `from`'s scrape. */
function scrape(aggregator: MetricsAggregator, from: Worker): Promise<Answer> {
  const id = scrapes++;
  const answered = new Promise<Answer>((resolve) => answers.set(id, resolve));
  aggregator.onMessage(from, { type: 'gatehouse:metrics:scrape', id });
  return answered;
}

describe('MetricsAggregator (the cluster primary)', () => {
  const logger = createLogger('silent');

  it('sums counters and pool gauges over the workers, takes the worst breaker state, says who answered', async () => {
    const one = new Metrics(() => ({ used: 1, free: 4, pending: 0 }));
    const two = new Metrics(() => ({ used: 2, free: 3, pending: 1 }));
    const request = { operation_id: 'getHealth', method: 'GET', status: 200 };
    one.observeRequest(request, 0.01);
    two.observeRequest(request, 0.02);
    two.observeRequest(request, 0.03);
    one.onCircuitState('half_open');
    two.onCircuitState('open');
    const workers = [fakeWorker(1, one, () => aggregator), fakeWorker(2, two, () => aggregator)];
    const aggregator: MetricsAggregator = new MetricsAggregator(() => workers, logger);

    const { text } = await scrape(aggregator, workers[1]!);
    expect(text).toContain('\nhttp_requests_total{operation_id="getHealth",method="GET",status="200"} 3\n');
    expect(text).toContain(
      '\nhttp_request_duration_seconds_count{operation_id="getHealth",method="GET",status="200"} 3\n',
    );
    expect(text).toContain('\ngatehouse_db_pool_used_connections 3\n');
    expect(text).toContain('\ngatehouse_db_pool_pending_connections 1\n');
    expect(text).toContain('\ngatehouse_db_circuit_state 2\n'); // the worst (max), not 1 + 2
    expect(text).toContain('\ngatehouse_db_circuit_openings_total 1\n');
    expect(text).toContain('\ngatehouse_metrics_answered_by{worker="2",pid="1002"} 1\n');
    expect(text).toContain('\ngatehouse_cluster_workers 2\n');
    // each series once: nothing is counted twice
    expect(text?.match(/^http_requests_total\{/gm)).toHaveLength(1);
  });

  it('fails the scrape, naming the worker, when one does not answer in time', async () => {
    const logged: string[] = [];
    const spy = { error: (message: string, meta: { error: string }) => logged.push(`${message}: ${meta.error}`) };
    const workers = [
      fakeWorker(1, new Metrics(() => undefined), () => aggregator),
      fakeWorker(3, undefined, () => aggregator),
    ];
    const aggregator: MetricsAggregator = new MetricsAggregator(() => workers, spy as never);
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    try {
      const answer = scrape(aggregator, workers[0]!);
      await jest.advanceTimersByTimeAsync(COLLECT_TIMEOUT_MS + 600);
      expect(await answer).toEqual({
        type: 'gatehouse:metrics:scraped',
        id: expect.any(Number),
        error: expect.stringMatching(/worker 3 \(pid 1003\) did not answer in 2000 ms/),
      });
    } finally {
      jest.useRealTimers();
    }
    expect(logged).toEqual([expect.stringMatching(/^metrics aggregation failed: .*worker 3/)]);
  });
});
