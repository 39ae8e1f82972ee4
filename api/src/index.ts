export { buildApi, apiPrefix } from './app.ts';
export { apiConfigSchema, apiConfigSection, type ApiConfig } from './api-config.ts';
export { apiProcessConfigSchema } from './api-process-config.ts';
export type { ApiDeps } from './api-context.ts';
export { serveApiOnSharedPort, type SharedPortOptions } from './shared-port.ts';
export { videoServiceConfigSchema } from './videos/video-config.ts';
export { workerConfigSchema } from './jobs/worker-config.ts';
