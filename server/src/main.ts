/**
 * `npm run collab`: the process in collab-process.ts, started as every service is (shared/src/process-start.ts: tracing
 * first, a failure to start as one log line).
 */
import { startProcess } from '@pocdojo/shared/process-start';

await startProcess('pocdojo-collab', () => import('./collab-process.ts'));
