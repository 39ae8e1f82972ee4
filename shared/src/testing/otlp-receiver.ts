import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';

/**
 * A stand-in for an OpenTelemetry Collector, for tests and benchmarks: an OTLP/HTTP endpoint on a spare
 * port that takes `POST /v1/traces` in the JSON encoding (what @opentelemetry/exporter-trace-otlp-http
 * sends), decodes the spans and keeps them. Point a process at it with
 * OTEL_EXPORTER_OTLP_ENDPOINT=`receiver.endpoint`.
 */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** Empty for a trace's root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's numbering: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  status: number;
}

const anyValueSchema = z.object({
  stringValue: z.string().optional(),
  intValue: z.union([z.number(), z.string()]).optional(),
  doubleValue: z.number().optional(),
  boolValue: z.boolean().optional(),
});
const keyValuesSchema = z.array(z.object({ key: z.string(), value: anyValueSchema })).default([]);
const exportRequestSchema = z.object({
  resourceSpans: z.array(
    z.object({
      resource: z.object({ attributes: keyValuesSchema }).default({ attributes: [] }),
      scopeSpans: z.array(
        z.object({
          spans: z.array(
            z.object({
              traceId: z.string(),
              spanId: z.string(),
              parentSpanId: z.string().optional(),
              name: z.string(),
              kind: z.number().int(),
              attributes: keyValuesSchema,
              status: z.object({ code: z.number().int().optional() }).optional(),
            }),
          ),
        }),
      ),
    }),
  ),
});

function plainValue(value: z.infer<typeof anyValueSchema>): string | number | boolean {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  return '';
}

const plainAttributes = (pairs: z.infer<typeof keyValuesSchema>) =>
  Object.fromEntries(pairs.map(({ key, value }) => [key, plainValue(value)]));

/** The spans of one OTLP/JSON export request, flattened. */
export function decodeTraceExport(body: unknown): ReceivedSpan[] {
  return exportRequestSchema.parse(body).resourceSpans.flatMap(({ resource, scopeSpans }) => {
    const service = String(plainAttributes(resource.attributes)['service.name'] ?? '');
    return scopeSpans.flatMap(({ spans }) =>
      spans.map((span) => ({
        service,
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        kind: span.kind,
        attributes: plainAttributes(span.attributes),
        status: span.status?.code ?? 0,
      })),
    );
  });
}

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Export requests received, decodable or not. */
  requests = 0;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<OtlpReceiver> {
    const server = createServer();
    const receiver = new OtlpReceiver(server);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        receiver.requests++;
        if (request.method !== 'POST' || request.url !== '/v1/traces') {
          response.writeHead(404).end();
          return;
        }
        if (!request.headers['content-type']?.startsWith('application/json')) {
          response.writeHead(415).end('only the OTLP JSON encoding is understood here');
          return;
        }
        try {
          const raw = Buffer.concat(chunks);
          const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
          receiver.spans.push(...decodeTraceExport(JSON.parse(body.toString('utf8'))));
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch (error) {
          response.writeHead(400).end(error instanceof Error ? error.message : 'undecodable');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** What OTEL_EXPORTER_OTLP_ENDPOINT should be set to. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
