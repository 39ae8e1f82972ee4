/**
 * `npm run api`: tracing starts first, when configured, because it must hook http, pg and ioredis before
 * anything imports them; only then is the process itself loaded (see api-process.ts).
 */
import { startTracing } from '@pocdojo/shared/tracing';

await startTracing('pocdojo-api');
await import('./api-process.ts');
