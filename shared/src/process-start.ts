import { startTracing } from './telemetry/tracing.ts';

/**
 * How every service process starts: tracing first, when configured, because it must hook http, pg and
 * ioredis before anything imports them; only then the process itself, which `load` imports dynamically.
 *
 * A process that cannot start (its data directory held by another, its port taken, its files unreadable)
 * ends with exit code 1 and one structured log line saying why, like every other line it writes: left to
 * Node, the failure was a multi-line report of an uncaught error, stack and Node's version last, which a
 * log pipeline splits into lines nobody reads and a newcomer has to scroll back through.
 */
export async function startProcess(service: string, load: () => Promise<unknown>): Promise<void> {
  await startTracing(service);
  try {
    await load();
  } catch (error) {
    // Loaded only now: the logger's modules must not be imported before tracing has hooked its libraries.
    const { createLogger } = await import('./logging.ts');
    const reason = error instanceof Error ? error.message : String(error);
    createLogger({ level: 'fatal', name: service }).fatal({ err: error }, `did not start: ${reason}`);
    process.exit(1);
  }
}
