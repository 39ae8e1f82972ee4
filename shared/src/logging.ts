import { format } from 'node:util';
import { pino, type Logger } from 'pino';
import { activeTraceIds } from './telemetry/spans.ts';

export type { Logger } from 'pino';

/**
 * Structured JSON logs on stdout, one logger per process, children per component. A line written inside
 * a traced span carries its `trace_id` and `span_id`, so a log search leads to the trace and back.
 */
export function createLogger(options: { level: string; name: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // A fresh object each time: pino merges the line's own fields into what the mixin returns.
    mixin: () => activeTraceIds() ?? {},
  });
}

/**
 * Some libraries (Hocuspocus among them) report errors with console.*; in a process whose logs are
 * JSON lines, route those through the logger so every line stays parseable.
 */
export function routeConsoleTo(logger: Logger): void {
  /* eslint-disable no-console -- this is the one place that replaces console output */
  const libraryLog = logger.child({ source: 'console' });
  const text = (args: unknown[]) => format(...args);
  console.error = (...args: unknown[]) => libraryLog.error(text(args));
  console.warn = (...args: unknown[]) => libraryLog.warn(text(args));
  console.log = (...args: unknown[]) => libraryLog.info(text(args));
  console.info = console.log;
  console.debug = (...args: unknown[]) => libraryLog.debug(text(args));
  /* eslint-enable no-console */
}
