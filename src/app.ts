import express, { type Express } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { DependencyContainer } from 'tsyringe';
import { bearerAuth } from './api/dependencies';
import { docsAssets, DOCS_ASSETS_PATH } from './api/docs';
import { authenticate } from './api/middleware/authenticate';
import { corsAllowlist, securityHeaders } from './api/middleware/edge';
import { accessLog } from './api/middleware/access-log';
import { recordMetrics, requireMetricsToken } from './api/middleware/metrics';
import { notFound, problemHandler } from './api/middleware/problem';
import { limitPerAddress, limitPerOperation } from './api/middleware/rate-limit';
import { requestId } from './api/middleware/request-id';
import { traceRequests } from './api/middleware/tracing';
import { cacheRouteRegexps } from './api/route-regexp-cache';
import { mfaEnrolmentGate } from './api/mfa-enrolment';
import { operationsRouter } from './api/router';
import { AuthRoutes } from './api/routes/auth.routes';
import { SystemRoutes } from './api/routes/system.routes';
import { UsersRoutes } from './api/routes/users.routes';
import { validatorSpec } from './api/spec';
import { CONFIG, LOGGER, TRACING, UNIT_OF_WORK } from './container.tokens';
import type { Config } from './core/config';
import type { Logger } from './core/logging';
import { Metrics } from './core/metrics';
import { RateLimits } from './core/rate-limit';
import type { Tracing } from './core/tracing';
import type { UnitOfWork } from './core/unit-of-work';
import { AuthService } from './services/auth.service';
import { TokenService } from './services/token.service';

type ValidatorSpec = Parameters<typeof OpenApiValidator.middleware>[0]['apiSpec'];

/** The express application, wired from a container; tests use it through supertest. */
export function createApp(container: DependencyContainer): Express {
  const config = container.resolve<Config>(CONFIG);
  const logger = container.resolve<Logger>(LOGGER);
  const uow = container.resolve<UnitOfWork>(UNIT_OF_WORK);

  const app = express();
  app.disable('x-powered-by');
  // ETags only where the spec documents conditional GETs (set by the router), so no undocumented 304s
  app.set('etag', false);
  app.set('trust proxy', config.http.trustProxy);
  const metrics = container.resolve(Metrics);
  app.use(requestId());
  // Only when tracing is on: off, no request pays for it.
  if (container.isRegistered(TRACING)) app.use(traceRequests(container.resolve<Tracing>(TRACING)));
  app.use(accessLog(logger), recordMetrics(metrics));
  app.use(securityHeaders(), corsAllowlist(config));
  const limits = container.resolve(RateLimits);
  app.use(limitPerAddress(limits, metrics.onRateLimited));
  app.use(DOCS_ASSETS_PATH, docsAssets());
  app.use(authenticate(container.resolve(TokenService), container.resolve(AuthService)));
  app.get('/metrics', requireMetricsToken(config.metrics.token));
  cacheRouteRegexps();
  app.use(express.json({ limit: config.bodyLimit, type: ['application/json', 'application/*+json'] }));
  app.use(
    OpenApiValidator.middleware({
      apiSpec: validatorSpec() as ValidatorSpec,
      validateRequests: { allowUnknownQueryParameters: false, allErrors: true },
      validateResponses: config.validateResponses,
      validateFormats: true,
      validateSecurity: { handlers: { bearerAuth } },
      ignoreUndocumented: false,
    }),
  );
  app.use(limitPerOperation(limits, metrics.onRateLimited));
  app.use(
    operationsRouter(
      {
        auth: container.resolve(AuthRoutes),
        system: container.resolve(SystemRoutes),
        users: container.resolve(UsersRoutes),
      },
      uow,
      mfaEnrolmentGate(config.mfa.requiredRoles),
    ),
  );
  app.use(notFound());
  app.use(problemHandler(logger));
  return app;
}
