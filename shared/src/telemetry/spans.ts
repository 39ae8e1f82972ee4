import {
  context,
  INVALID_TRACEID,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';

export { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';

/**
 * The spans our own code opens (WebSocket lifecycle, document load and store, jobs, the uWS-served API),
 * written against @opentelemetry/api only: when tracing is off no SDK is registered and these are the
 * API's no-op spans, a few allocations each.
 */
const tracer = trace.getTracer('pocdojo');

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The span's parent; the active context by default. */
  parent?: Context;
  /**
   * Starts a trace of its own whatever is active: for work that serves many callers at once (a group
   * commit, a snapshot) or a connection that outlives what opened it.
   */
  newTrace?: boolean;
  /**
   * Links the span active now when `parent` is another trace: a job whose work continues the trace of
   * whoever asked for it keeps a way back to the job that carried it.
   */
  linkActive?: boolean;
}

const parentOf = (options: SpanOptions): Context =>
  options.newTrace ? ROOT_CONTEXT : (options.parent ?? context.active());

function linksOf(options: SpanOptions): Link[] | undefined {
  const active = options.linkActive && options.parent ? trace.getActiveSpan()?.spanContext() : undefined;
  return active && active.traceId !== INVALID_TRACEID ? [{ context: active }] : undefined;
}

/** Runs `work` inside a new active span, ended when it settles; a throw marks the span failed. */
export function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const { kind, attributes } = options;
  const links = linksOf(options);
  return tracer.startActiveSpan(name, { kind, attributes, links }, parentOf(options), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A span for something that is not one awaited call (a request answered in callbacks, an event). */
export function startSpan(name: string, options: SpanOptions = {}): Span {
  const { kind, attributes } = options;
  return tracer.startSpan(name, { kind, attributes }, parentOf(options));
}

export function failSpan(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** Runs `work` with `span` as the active span, so spans opened inside (pg, ioredis, ours) are its children. */
export function withActiveSpan<T>(span: Span, work: () => T): T {
  // Untraced (no SDK), a span has no identity and children nothing to inherit: skip the context switch,
  // which runs for every WebSocket message.
  if (span.spanContext().traceId === INVALID_TRACEID) return work();
  return context.with(trace.setSpan(context.active(), span), work);
}

/** The active trace context as W3C headers (`traceparent`, `tracestate`); empty when not tracing. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The context a remote caller sent in its W3C headers, to parent the spans that serve it. */
export function contextFromHeaders(headers: Record<string, string | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** `{ trace_id, span_id }` of the active span for a log line, or nothing outside a recorded span. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/**
 * Names the active server span for the route that serves it (`GET /api/v1/videos/:id`), as the HTTP
 * conventions ask: the instrumentation only knows the method, and a raw path would make every id a name.
 */
export function nameServerSpan(method: string, route: string): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute('http.route', route);
}
