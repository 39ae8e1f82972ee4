import { STATUS_CODES } from 'node:http';
import { contextFromHeaders, SpanKind, SpanStatusCode, startSpan, withActiveSpan } from '@pocdojo/shared';
import type { FastifyInstance } from 'fastify';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { problemContentType, type Problem } from './problem-details.ts';

/**
 * Serves the API on the all-in-one uWebSockets.js app: every request under `/api/` and `/.well-known/`
 * is copied (method, URL, headers, client address, body) into `api.inject`, which runs Fastify's whole
 * pipeline without a socket of its own, and the answer is written back on the uWS response.
 * Bodies are buffered up to `bodyLimit` bytes; a longer one is refused with 413 before it is read to
 * the end. Routes the uWS app defines itself (e.g. /healthz) keep precedence over these wildcards.
 * uWS is not node:http, so the HTTP instrumentation never sees these requests: the server span (parented
 * on the caller's `traceparent`) is opened here, and the API's routes run inside it.
 */
export interface SharedPortOptions {
  /** Same as API_BODY_LIMIT: the most the proxy buffers before handing the request over. */
  bodyLimit: number;
  /** Where the mounted paths start; both by default. */
  prefixes?: string[];
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
const methods = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
/** Hop-by-hop or recomputed by uWS when it writes the response. */
const skippedResponseHeaders = new Set(['content-length', 'connection', 'keep-alive', 'transfer-encoding', 'date']);

export function serveApiOnSharedPort(app: TemplatedApp, api: FastifyInstance, options: SharedPortOptions): void {
  const handler = (res: HttpResponse, req: HttpRequest) => forward(api, options.bodyLimit, res, req);
  for (const prefix of options.prefixes ?? ['/api/', '/.well-known/']) app.any(`${prefix}*`, handler);
}

function forward(api: FastifyInstance, bodyLimit: number, res: HttpResponse, req: HttpRequest): void {
  // uWS request objects are only valid during this call: copy everything now.
  const method = req.getMethod().toUpperCase();
  const query = req.getQuery();
  const url = query ? `${req.getUrl()}?${query}` : req.getUrl();
  const headers: Record<string, string> = {};
  req.forEach((name, value) => {
    headers[name] = value;
  });
  const remoteAddress = Buffer.from(res.getRemoteAddressAsText()).toString();
  const span = startSpan(method, {
    kind: SpanKind.SERVER,
    parent: contextFromHeaders(headers),
    attributes: { 'http.request.method': method, 'url.path': req.getUrl(), 'client.address': remoteAddress },
  });
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
    span.setAttribute('http.aborted', true);
    span.end();
  });

  const send = (status: number, responseHeaders: Record<string, string | string[]>, body: Buffer | string) => {
    if (aborted) return;
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    res.cork(() => {
      res.writeStatus(`${status} ${STATUS_CODES[status] ?? ''}`);
      for (const [name, value] of Object.entries(responseHeaders)) {
        if (skippedResponseHeaders.has(name)) continue;
        for (const item of Array.isArray(value) ? value : [value]) res.writeHeader(name, item);
      }
      res.end(body);
    });
  };
  const dispatch = (payload: Buffer | undefined) => {
    if (!methods.has(method)) {
      send(405, { 'content-type': 'text/plain' }, 'method not allowed');
      return;
    }
    // inject returns a lazy chain that starts when `then` is called: call it inside the span's context.
    withActiveSpan(span, () =>
      api.inject({ method: method as Method, url, headers, remoteAddress, ...(payload && { payload }) }).then(
        (reply) => send(reply.statusCode, reply.headers as Record<string, string | string[]>, reply.rawPayload),
        (error: unknown) => {
          api.log.error({ err: error, url }, 'forwarding to the API failed');
          send(500, { 'content-type': 'text/plain' }, 'internal error');
        },
      ),
    );
  };

  const tooLarge = () => {
    const problem: Problem = {
      type: 'urn:pocdojo:problem:invalid',
      title: 'Invalid request',
      status: 413,
      detail: 'the request body is too large',
      instance: url.split('?')[0] ?? url,
      code: 'invalid',
    };
    send(413, { 'content-type': problemContentType }, JSON.stringify(problem));
  };

  const declaredLength = Number(headers['content-length'] ?? 0);
  if (!headers['transfer-encoding'] && !(declaredLength > 0)) {
    dispatch(undefined);
    return;
  }
  if (declaredLength > bodyLimit) {
    tooLarge();
    return;
  }
  const chunks: Buffer[] = [];
  let received = 0;
  let refused = false;
  res.onData((chunk, isLast) => {
    if (refused) return;
    received += chunk.byteLength;
    if (received > bodyLimit) {
      refused = true;
      tooLarge();
      return;
    }
    // uWS reuses the chunk's memory after this callback returns.
    chunks.push(Buffer.from(chunk.slice(0)));
    if (isLast) dispatch(Buffer.concat(chunks));
  });
}
