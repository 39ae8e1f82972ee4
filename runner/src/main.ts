/**
 * `npm run runner`: tracing starts first, when configured, because it must hook http, pg and ioredis before
 * anything imports them; only then is the process itself loaded (see runner-process.ts).
 */
import { startTracing } from '@pocdojo/shared/tracing';

await startTracing('pocdojo-runner');
await import('./runner-process.ts');
