import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Registry } from '@pocdojo/shared';
import type { Readiness } from '@pocdojo/shared';

/** Probes and metrics every POC Dojo process answers on its uWS app. */
export function attachOperationalRoutes(app: TemplatedApp, deps: { readiness: Readiness; registry: Registry }): void {
  app.get('/healthz', (res) => sendJson(res, '200 OK', { status: 'ok' }));
  app.get('/readyz', (res) => {
    const { ready, body } = deps.readiness.summary();
    sendJson(res, ready ? '200 OK' : '503 Service Unavailable', body);
  });
  app.get('/metrics', (res) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    deps.registry.metrics().then(
      (text) => {
        if (aborted) return;
        res.cork(() => res.writeHeader('content-type', deps.registry.contentType).end(text));
      },
      () => {
        if (!aborted) res.cork(() => res.writeStatus('500 Internal Server Error').end());
      },
    );
  });
}

export function sendJson(res: HttpResponse, status: string, body: unknown): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('content-type', 'application/json').end(JSON.stringify(body));
  });
}
