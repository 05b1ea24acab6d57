import express, { type Express } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { DependencyContainer } from 'tsyringe';
import { docsAssets, DOCS_ASSETS_PATH } from './api/docs';
import { accessLog } from './api/middleware/access-log';
import { notFound, problemHandler } from './api/middleware/problem';
import { requestId } from './api/middleware/request-id';
import { operationsRouter } from './api/router';
import { SystemRoutes } from './api/routes/system.routes';
import { UsersRoutes } from './api/routes/users.routes';
import { apiSpec } from './api/spec';
import { CONFIG, LOGGER, UNIT_OF_WORK } from './container.tokens';
import type { Config } from './core/config';
import type { Logger } from './core/logging';
import type { UnitOfWork } from './core/unit-of-work';

type ValidatorSpec = Parameters<typeof OpenApiValidator.middleware>[0]['apiSpec'];

/** The express application, wired from a container; tests use it through supertest. */
export function createApp(container: DependencyContainer): Express {
  const config = container.resolve<Config>(CONFIG);
  const logger = container.resolve<Logger>(LOGGER);

  const app = express();
  app.disable('x-powered-by');
  app.use(requestId(), accessLog(logger));
  app.use(DOCS_ASSETS_PATH, docsAssets());
  app.use(express.json({ limit: config.bodyLimit, type: ['application/json', 'application/*+json'] }));
  app.use(
    OpenApiValidator.middleware({
      apiSpec: structuredClone(apiSpec) as ValidatorSpec,
      validateRequests: { allowUnknownQueryParameters: false, allErrors: true },
      validateResponses: config.validateResponses,
      validateFormats: true,
      ignoreUndocumented: false,
    }),
  );
  app.use(
    operationsRouter(
      { system: container.resolve(SystemRoutes), users: container.resolve(UsersRoutes) },
      container.resolve<UnitOfWork>(UNIT_OF_WORK),
    ),
  );
  app.use(notFound());
  app.use(problemHandler(logger));
  return app;
}
