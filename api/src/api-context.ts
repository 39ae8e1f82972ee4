import type { DatabaseHandle, Identity, Logger, Registry } from '@pocdojo/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiConfig } from './api-config.ts';
import type { RateLimits } from './rate-limits.ts';
import type { SearchEngine } from './search/search-engine.ts';
import type { SsoServices } from './sso/sso-services.ts';

/** What the API needs from its process: passed to `buildApi` by the all-in-one server or `api-process.ts`. */
export interface ApiDeps {
  config: ApiConfig;
  database: DatabaseHandle;
  identity: Identity;
  logger: Logger;
  metrics: Registry;
}

/** What every route plugin receives: the process's dependencies plus the API's own services. */
export interface ApiContext extends ApiDeps {
  search: SearchEngine;
  /** True when POC changes must also go to the search outbox (OpenSearch engine). */
  searchOutbox: boolean;
  limits: RateLimits;
  sso: SsoServices;
}

/** A feature of the API: a Fastify plugin registered under its prefix with the shared context. */
export type ApiPlugin = FastifyPluginAsyncZod<{ context: ApiContext }>;
