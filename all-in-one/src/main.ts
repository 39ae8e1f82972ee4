/**
 * `npm start`: tracing starts first, when configured, because it must hook http, pg and ioredis before
 * anything imports them; only then is the process itself loaded (see all-in-one-process.ts).
 */
import { startTracing } from '@pocdojo/shared/tracing';

await startTracing('pocdojo');
await import('./all-in-one-process.ts');
