import { register } from 'node:module';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { createAddHookMessageChannel } from 'import-in-the-middle';

/** Probes and scrapes would drown the traces that matter. */
const unTracedPaths = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The OpenTelemetry SDK for one process: spans batched and sent as OTLP/HTTP (JSON) to
 * `<endpoint>/v1/traces`, W3C trace context, and the http, pg and ioredis instrumentations. Our code is
 * ESM (run by tsx), so the instrumentations see `import pg from 'pg'` only through import-in-the-middle's
 * loader hook, registered here for exactly the modules they hook. Postgres, Redis and outgoing HTTP calls
 * are traced only inside a span: the job queue's polling and the heartbeats would otherwise be a trace
 * every second.
 * Batching, sampling and headers follow the standard OTEL_BSP_*, OTEL_TRACES_SAMPLER* and
 * OTEL_EXPORTER_OTLP_HEADERS variables, which the SDK reads itself.
 */
export async function startTraceExport(options: {
  service: string;
  endpoint: string;
}): Promise<{ flush(): Promise<void> }> {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.service }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: new URL('v1/traces', withSlash(options.endpoint)).href })),
    ],
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => unTracedPaths.has((request.url ?? '').split('?')[0] ?? ''),
        // Background loops (the search indexer's calls to OpenSearch) would be a trace each.
        requireParentforOutgoingSpans: true,
      }),
      // A span for taking a pooled connection would double the spans of every query; the parent's
      // duration still shows any wait for one.
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  await waitForAllMessagesAcknowledged();
  return { flush: () => provider.forceFlush() };
}

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);
