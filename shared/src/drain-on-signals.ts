import type { Logger } from './logging.ts';
import type { Readiness } from './readiness.ts';
import { flushTraces } from './telemetry/tracing.ts';

/**
 * SIGTERM/SIGINT drain a service once: `/readyz` fails at once (the balancer stops sending), `drain`
 * closes what the process serves and commits what is pending, the last spans are sent, and the process exits 0; a drain that
 * outlasts `deadlineMs` exits 1 rather than hang a rollout. `draining()` tells start-up work still under
 * way (a worker starting late, say) not to begin.
 */
export function drainOnSignals(options: {
  logger: Logger;
  readiness: Readiness;
  deadlineMs: number;
  drain: () => Promise<void>;
}): { draining(): boolean } {
  const { logger, readiness, deadlineMs } = options;
  let draining = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (draining) return;
    draining = true;
    logger.info({ signal, deadlineMs }, 'draining');
    readiness.set('shutdown', 'draining');
    const deadline = setTimeout(() => {
      logger.error('drain deadline passed; exiting with updates still pending');
      process.exit(1);
    }, deadlineMs);
    deadline.unref();
    await options.drain();
    logger.info('stopped');
    await flushTraces();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return { draining: () => draining };
}
