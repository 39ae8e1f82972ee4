/**
 * `npm start`: the process in all-in-one-process.ts, started as every service is (shared/src/process-start.ts: tracing
 * first, a failure to start as one log line).
 */
import { startProcess } from '@pocdojo/shared/process-start';

await startProcess('pocdojo', () => import('./all-in-one-process.ts'));
