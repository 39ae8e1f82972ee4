import { randomBytes } from 'node:crypto';
import { activeTraceIds } from '../telemetry/spans.ts';

/** Where an audited action came from: the caller's address and user agent, and the trace it belongs to. */
export interface AuditSource {
  address: string | null;
  userAgent: string | null;
  traceId: string;
}

// W3C Trace Context: version-traceid-parentid-flags; an all-zero trace id is invalid.
const traceparentPattern = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The trace the action belongs to: the recording span's when the service traces (so an entry leads to its
 * trace), else the W3C `traceparent` header's, else a fresh random id that the request's entries share.
 */
export function traceIdFrom(traceparent: string | string[] | undefined): string {
  const traced = activeTraceIds();
  if (traced) return traced.trace_id;
  const header = Array.isArray(traceparent) ? traceparent[0] : traceparent;
  const traceId = header ? traceparentPattern.exec(header.trim().toLowerCase())?.[1] : undefined;
  if (traceId && !/^0+$/.test(traceId)) return traceId;
  return randomBytes(16).toString('hex');
}

/** An action the server took by itself or on a WebSocket command: no HTTP request to name. */
export const serverSource = (): AuditSource => ({ address: null, userAgent: null, traceId: traceIdFrom(undefined) });
