import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logging.ts';
import type { Registry } from './metrics.ts';
import type { Readiness } from './readiness.ts';

export interface OperationsServer {
  /** The port it listens on (the one the OS chose when asked for 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * `/healthz`, `/readyz` and `/metrics` for a process that serves nothing else over HTTP (the job worker,
 * the test runner): what the balancer's and Kubernetes' probes and Prometheus read, answered the same
 * way as the collaboration tier and the API answer them.
 */
export async function startOperationsServer(options: {
  host: string;
  port: number;
  readiness: Readiness;
  registry: Registry;
  logger: Logger;
}): Promise<OperationsServer> {
  const { readiness, registry, logger } = options;
  const server: Server = createServer((request, response) => {
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (request.method !== 'GET') return send(405, 'application/json', '{"status":"method not allowed"}');
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz') return send(200, 'application/json', '{"status":"ok"}');
    if (path === '/readyz') {
      const { ready, body } = readiness.summary();
      return send(ready ? 200 : 503, 'application/json', JSON.stringify(body));
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => send(200, registry.contentType, text),
        (error: unknown) => {
          logger.error({ err: error }, 'metrics failed');
          send(500, 'text/plain', 'metrics failed');
        },
      );
      return;
    }
    send(404, 'application/json', '{"status":"not found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
