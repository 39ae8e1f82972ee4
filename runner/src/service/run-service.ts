import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import type { DatabaseHandle, Logger, Registry } from '@pocdojo/shared';
import type { RunWorker } from './run-worker.ts';

/**
 * The runner process's own HTTP endpoints: /healthz (the process is up), /readyz (the database answers,
 * this runner published its languages and is not draining), /metrics (Prometheus).
 */
export async function serveRunnerEndpoints(deps: {
  host: string;
  port: number;
  database: DatabaseHandle;
  worker: RunWorker;
  registry: Registry;
  logger: Logger;
}): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const send = (status: number, body: string, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz') return send(200, JSON.stringify({ status: 'ok' }));
    if (path === '/metrics') {
      void deps.registry.metrics().then((text) => send(200, text, deps.registry.contentType));
      return;
    }
    if (path === '/readyz') {
      void (async () => {
        const checks: Record<string, true | string> = { runner: deps.worker.ready || 'not ready or draining' };
        try {
          await sql`SELECT 1`.execute(deps.database.db);
          checks.database = true;
        } catch (error) {
          checks.database = `unreachable: ${error instanceof Error ? error.message : String(error)}`;
        }
        const ready = Object.values(checks).every((check) => check === true);
        send(ready ? 200 : 503, JSON.stringify({ status: ready ? 'ready' : 'not_ready', checks }));
      })();
      return;
    }
    send(404, JSON.stringify({ title: 'not found' }), 'application/problem+json');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  deps.logger.info({ port }, 'runner endpoints listening');
  return { server, port };
}
