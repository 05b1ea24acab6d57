import type { Worker } from 'node:cluster';
import { AggregatorRegistry, Gauge, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { Logger } from './logging';
import type { Metrics } from './metrics';

/**
 * `GET /metrics` in cluster mode. The worker that takes the scrape asks the
 * primary (`scrape`); the primary asks every listening worker for its registry
 * (`collect`), sums them with prom-client's AggregatorRegistry.aggregate (each
 * metric by its `aggregator`) and answers with the text. Only workers that
 * listen are asked: one still loading its modules could not answer yet.
 * If any worker does not answer in time, the scrape fails (500, and the log
 * says which worker): partial sums would make counters go backwards.
 */
const SCRAPE = 'gatehouse:metrics:scrape';
const SCRAPED = 'gatehouse:metrics:scraped';
const COLLECT = 'gatehouse:metrics:collect';
const COLLECTED = 'gatehouse:metrics:collected';

/** How long the primary waits for each worker's registry. */
export const COLLECT_TIMEOUT_MS = 2_000;

type Collected = MetricObjectWithValues<MetricValue<string>>[];
type Message =
  | { type: typeof SCRAPE; id: number }
  | { type: typeof SCRAPED; id: number; text?: string; error?: string }
  | { type: typeof COLLECT; id: number }
  | { type: typeof COLLECTED; id: number; metrics: Collected };

const isMessage = (m: unknown): m is Message =>
  typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';

/** The primary's side: answers scrapes from workers. */
export class MetricsAggregator {
  private nextId = 0;
  private readonly waiting = new Map<number, (metrics: Collected) => void>();

  constructor(
    private readonly listening: () => Worker[],
    private readonly logger: Logger,
  ) {}

  /** For `cluster.on('message')`. */
  readonly onMessage = (worker: Worker, message: unknown): void => {
    if (!isMessage(message)) return;
    if (message.type === COLLECTED) this.waiting.get(message.id)?.(message.metrics);
    if (message.type !== SCRAPE) return;
    this.aggregate(worker).then(
      (text) => toWorker(worker, { type: SCRAPED, id: message.id, text }),
      (error: unknown) => {
        this.logger.error('metrics aggregation failed', { error: String(error) });
        toWorker(worker, { type: SCRAPED, id: message.id, error: String(error) });
      },
    );
  };

  private async aggregate(answering: Worker): Promise<string> {
    const workers = this.listening();
    const all = await Promise.all(workers.map((worker) => this.collect(worker)));
    const sums = await AggregatorRegistry.aggregate(all).metrics();
    return sums + (await answeredBy(answering, workers.length));
  }

  private collect(worker: Worker): Promise<Collected> {
    const id = this.nextId++;
    return new Promise<Collected>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`worker ${worker.id} (pid ${worker.process.pid}) did not answer in ${COLLECT_TIMEOUT_MS} ms`));
      }, COLLECT_TIMEOUT_MS);
      this.waiting.set(id, (metrics) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(metrics);
      });
      toWorker(worker, { type: COLLECT, id });
    });
  }
}

/** Which worker answered (and its pid), and how many workers the sums cover. */
function answeredBy(worker: Worker, workers: number): Promise<string> {
  const registry = new Registry();
  new Gauge({
    name: 'gatehouse_metrics_answered_by',
    help: 'The cluster worker that answered this scrape (1); the other series cover every worker.',
    labelNames: ['worker', 'pid'],
    registers: [registry],
  }).set({ worker: String(worker.id), pid: String(worker.process.pid) }, 1);
  new Gauge({
    name: 'gatehouse_cluster_workers',
    help: 'Workers whose metrics this scrape sums.',
    registers: [registry],
  }).set(workers);
  return registry.metrics();
}

/** A peer that has gone (a worker that died, a primary that exited) is not an error here: the asker times out. */
const ignore = () => undefined;
const toWorker = (worker: Worker, message: Message) => worker.send(message, undefined, ignore);
const toPrimary = (message: Message) => process.send?.(message, undefined, undefined, ignore);

/**
 * A worker's side: hands its registry to the primary when asked, and answers
 * its own scrapes with the primary's sums.
 */
export function joinClusterMetrics(metrics: Metrics): void {
  let nextId = 0;
  const scrapes = new Map<number, (answer: { text?: string; error?: string }) => void>();
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === SCRAPED) scrapes.get(message.id)?.(message);
    if (message.type !== COLLECT) return;
    // A registry that fails to collect stays silent: the primary's timeout names this worker.
    metrics.registry
      .getMetricsAsJSON()
      .then((collected) => toPrimary({ type: COLLECTED, id: message.id, metrics: collected as Collected }), ignore);
  });
  metrics.aggregateWith(() => {
    const id = nextId++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        scrapes.delete(id);
        reject(new Error('the cluster primary did not answer the metrics scrape'));
      }, COLLECT_TIMEOUT_MS + 1_000);
      scrapes.set(id, ({ text, error }) => {
        clearTimeout(timer);
        scrapes.delete(id);
        if (text === undefined) reject(new Error(`metrics aggregation failed: ${error}`));
        else resolve(text);
      });
      toPrimary({ type: SCRAPE, id });
    });
  });
}
