import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Counter,
  createLogger,
  createMetricsRegistry,
  Readiness,
  startOperationsServer,
  type OperationsServer,
} from '../src/index.ts';

describe('the operations server of a process without HTTP of its own', () => {
  const readiness = new Readiness();
  const registry = createMetricsRegistry({ service: 'test' });
  const jobs = new Counter({ name: 'test_jobs_total', help: 'jobs taken', registers: [registry] });
  let server: OperationsServer;
  const get = (path: string) => fetch(`http://127.0.0.1:${server.port}${path}`);

  beforeAll(async () => {
    readiness.require('worker', 'starting');
    server = await startOperationsServer({
      host: '127.0.0.1',
      port: 0,
      readiness,
      registry,
      logger: createLogger({ level: 'silent', name: 'test' }),
    });
  });
  afterAll(() => server?.close());

  it('is alive from the start', async () => {
    const reply = await get('/healthz');
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ status: 'ok' });
  });

  it('is ready only when every condition holds, and says which does not', async () => {
    const notYet = await get('/readyz');
    expect(notYet.status).toBe(503);
    expect(await notYet.json()).toEqual({ status: 'not-ready', checks: { worker: 'starting' } });

    readiness.set('worker', true);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { worker: 'ok' } });
  });

  it('serves the registry in the Prometheus text format', async () => {
    jobs.inc(3);
    const reply = await get('/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toContain('text/plain');
    expect(await reply.text()).toMatch(/^test_jobs_total\{service="test"\} 3$/m);
  });

  it('answers anything else with 404 and other methods with 405', async () => {
    expect((await get('/api/v1/pocs')).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`, { method: 'POST' })).status).toBe(405);
  });
});
