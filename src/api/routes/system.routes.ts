import { inject, injectable } from 'tsyringe';
import type { SystemHandlers } from '../../../generated/operations';
import { UnavailableError } from '../../core/errors';
import { Metrics } from '../../core/metrics';
import { ReadinessService } from '../../services/readiness.service';
import type { RequestCtx } from '../dependencies';
import { DOCS_PAGE } from '../docs';
import { apiSpec, apiSpecYaml } from '../spec';

@injectable()
export class SystemRoutes implements SystemHandlers<RequestCtx> {
  constructor(
    @inject(ReadinessService) private readonly readiness: ReadinessService,
    @inject(Metrics) private readonly metrics: Metrics,
  ) {}

  async getHealth() {
    return { status: 200, body: { status: 'ok' } } as const;
  }

  async getReadiness() {
    const { ready, checks } = await this.readiness.check();
    if (!ready) throw new UnavailableError('The service is not ready; see checks.', { checks });
    return { status: 200, body: { status: 'ready', checks } } as const;
  }

  async getOpenApiJson() {
    return { status: 200, body: apiSpec, headers: STATIC } as const;
  }

  async getOpenApiYaml() {
    return { status: 200, body: apiSpecYaml, headers: STATIC } as const;
  }

  /** The token guard, when METRICS_TOKEN is set, runs before this (see requireMetricsToken). */
  async getMetrics() {
    return { status: 200, body: await this.metrics.text() } as const;
  }

  async getDocs() {
    return { status: 200, body: DOCS_PAGE, headers: STATIC } as const;
  }
}

/** The served description and its page change only with a deployment. */
const STATIC = { 'cache-control': 'public, max-age=300' };
