/**
 * `npm run media`: the process in media-process.ts, started as every service is (shared/src/process-start.ts: tracing
 * first, a failure to start as one log line).
 */
import { startProcess } from '@pocdojo/shared/process-start';

await startProcess('pocdojo-media', () => import('./media-process.ts'));
