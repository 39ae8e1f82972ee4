/**
 * `npm run collab`: tracing starts first, when configured, because it must hook http, pg and ioredis before
 * anything imports them; only then is the process itself loaded (see collab-process.ts).
 */
import { startTracing } from '@pocdojo/shared/tracing';

await startTracing('pocdojo-collab');
await import('./collab-process.ts');
