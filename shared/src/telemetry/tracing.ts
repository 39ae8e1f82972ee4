import { z } from 'zod';
import { readConfigOrExit } from '../config.ts';

/**
 * Whether this process traces, decided once before anything else loads. Tracing is on exactly when
 * OTEL_EXPORTER_OTLP_ENDPOINT names a collector (Jaeger, Tempo, an OpenTelemetry Collector): then the
 * SDK starts, hooks http, pg and ioredis, and exports spans over OTLP/HTTP. Without it nothing of the
 * SDK is even loaded; the spans the code opens through @opentelemetry/api are the API's no-op ones.
 *
 * An entry point calls this first and only then imports the process itself (dynamically), because the
 * instrumentations must hook those modules before their first import.
 */
export const tracingConfigSchema = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** Overrides the service name the entry point gives (e.g. to tell two collab nodes apart). */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
});

export async function startTracing(service: string): Promise<void> {
  const config = readConfigOrExit(tracingConfigSchema);
  if (!config.OTEL_EXPORTER_OTLP_ENDPOINT) return;
  const { startTraceExport } = await import('./trace-export.ts');
  const exporting = await startTraceExport({
    service: config.OTEL_SERVICE_NAME ?? service,
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  flush = exporting.flush;
}

let flush: (() => Promise<void>) | undefined;

/**
 * Sends the spans still waiting in the batch (nothing when tracing is off). Drains call it last: they end
 * in process.exit, which would drop them.
 */
export async function flushTraces(): Promise<void> {
  await flush?.().catch(() => undefined);
}
