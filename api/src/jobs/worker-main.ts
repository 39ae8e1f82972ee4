/**
 * `npm run worker`: tracing starts first, when configured, because it must hook http, pg and ioredis before
 * anything imports them; only then is the process itself loaded (see worker-process.ts).
 */
import { startTracing } from '@pocdojo/shared/tracing';

await startTracing('pocdojo-worker');
await import('./worker-process.ts');
