import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Histogram, nameServerSpan } from '@pocdojo/shared';
import { Redis } from 'ioredis';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { ApiContext, ApiDeps, ApiPlugin } from './api-context.ts';
import { auditRoutes } from './audit/audit-routes.ts';
import { authRoutes } from './auth/auth-routes.ts';
import { dojoHistoryRoutes } from './dojo-history/dojo-history-routes.ts';
import { dojoRoutes } from './dojos/dojo-routes.ts';
import { refuseNulCharacters } from './nul-characters.ts';
import { operationRoutes } from './operations/operation-routes.ts';
import { personalDataRoutes } from './personal-data/personal-data-routes.ts';
import { pocRoutes } from './pocs/poc-routes.ts';
import { installProblemHandlers } from './problem-details.ts';
import { createRateLimits } from './rate-limits.ts';
import { reportRoutes } from './reports/report-routes.ts';
import { runRoutes } from './runs/run-routes.ts';
import { createSearch } from './search/search-setup.ts';
import { searchRoutes } from './search/search-routes.ts';
import { ssoAdminRoutes } from './sso/sso-admin-routes.ts';
import { ssoRoutes } from './sso/sso-routes.ts';
import { createSsoServices } from './sso/sso-services.ts';
import { userRoutes } from './users/user-routes.ts';
import { videoRoutes } from './videos/video-routes.ts';
import { serveWebApp } from './web-app.ts';

/** The API's features, each a plugin mounted under /api/v1. Adding a feature is adding it here. */
const features: ApiPlugin[] = [
  authRoutes,
  ssoRoutes,
  ssoAdminRoutes,
  userRoutes,
  pocRoutes,
  searchRoutes,
  dojoRoutes,
  runRoutes,
  dojoHistoryRoutes,
  reportRoutes,
  videoRoutes,
  auditRoutes,
  personalDataRoutes,
];

export const apiPrefix = '/api/v1';

/**
 * Builds the REST API as a ready Fastify instance that does not listen: the all-in-one server forwards
 * `/api/` and `/.well-known/` requests to `app.inject`, `api-process.ts` calls `listen` for a standalone process
 * (which may also serve the web app's files from `webRoot`).
 */
export async function buildApi(deps: ApiDeps, options: { webRoot?: string } = {}): Promise<FastifyInstance> {
  const { config } = deps;
  const logger: FastifyBaseLogger = deps.logger.child({ component: 'api' });
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.API_BODY_LIMIT,
    trustProxy: config.API_TRUST_PROXY,
    // Requests are measured by the metrics hook; two log lines per request would drown the real events.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: a text/plain body would otherwise reach the validator as a string.
  app.removeContentTypeParser('text/plain');
  // Many clients send `content-type: application/json` on every request; an empty body then means
  // "no body" (DELETE, join without options) rather than Fastify's empty-JSON error.
  app.addHook('onRequest', async (request) => {
    const { headers } = request;
    if (headers['content-type'] && !headers['transfer-encoding'] && Number(headers['content-length'] ?? 0) === 0) {
      delete headers['content-type'];
    }
  });
  installProblemHandlers(app, deps.logger);
  refuseNulCharacters(app);
  app.decorateRequest('principal', undefined);
  observeRequests(app, deps);

  // With REDIS_URL the budgets are shared by every API process; without, each process counts its own.
  const rateLimitStore = config.REDIS_URL
    ? new Redis(config.REDIS_URL, { connectTimeout: 1_000, maxRetriesPerRequest: 1 })
    : undefined;
  if (rateLimitStore) {
    // ioredis reconnects by itself; without a listener each failed attempt would be an unhandled error.
    rateLimitStore.on('error', (error: Error) => logger.warn({ err: error }, 'rate-limit store unavailable'));
    app.addHook('onClose', async () => {
      await rateLimitStore.quit();
    });
  }
  await app.register(rateLimit, {
    global: false,
    // A Redis outage lets requests through rather than taking the API down with it.
    ...(rateLimitStore && { redis: rateLimitStore, nameSpace: 'pocdojo-rate-', skipOnError: true }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'POC Dojo API',
        version: '1',
        description:
          'Tenants, users, proofs of concept, search and dojo sessions. Errors are RFC 9457 application/problem+json.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: `${apiPrefix}/docs` });

  const search = await createSearch(deps);
  const context: ApiContext = {
    ...deps,
    search: search.engine,
    searchOutbox: search.outbox,
    limits: createRateLimits(app, config),
    sso: await createSsoServices(config),
  };
  app.addHook('onClose', async () => search.close());

  app.get('/.well-known/jwks.json', { schema: { hide: true } }, async (_request, reply) =>
    // Verifiers cache the key set; five minutes keeps a key rotation visible soon enough.
    reply.header('cache-control', 'public, max-age=300').send(deps.identity.jwks),
  );
  app.get(`${apiPrefix}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());
  for (const feature of features) await app.register(feature, { prefix: apiPrefix, context });
  await app.register(operationRoutes, { context });
  if (options.webRoot) await serveWebApp(app, options.webRoot);

  await app.ready();
  search.start();
  return app;
}

function observeRequests(app: FastifyInstance, deps: ApiDeps): void {
  const duration = new Histogram({
    name: 'api_http_request_duration_seconds',
    help: 'REST API request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [deps.metrics],
  });
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.url) nameServerSpan(request.method, request.routeOptions.url);
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}
