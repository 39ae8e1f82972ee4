import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createLogger, openDatabase, type DatabaseHandle } from '@pocdojo/shared';
import { OtlpReceiver, type ReceivedSpan } from '@pocdojo/shared/testing/otlp-receiver';
import { createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, fastVideoEnv, seedPocs, yearOfPocs } from './video-api-harness.ts';

/**
 * Traces across processes: `npm run api` (queueing only), `npm run worker` (rendering) and `npm run
 * runner` (test runs), all exporting to an OTLP/HTTP receiver, on a real Postgres. A video request and
 * its render must be one trace, and so must a run's request and its sandbox run.
 */
const spanKind = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

let receiver: OtlpReceiver;
let database: TestDatabase;
let handle: DatabaseHandle;
let dataDir: string;
const children: ChildProcess[] = [];

/** Starts an entry point and resolves with its first log line that `ready` accepts; keeps all log lines. */
function startProcess(
  entry: string,
  env: Record<string, string>,
  ready: (line: Record<string, unknown>) => boolean,
  logLines: Record<string, unknown>[],
): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${entry} exited early with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (text) => {
      if (!text.startsWith('{')) return;
      const line = JSON.parse(text) as Record<string, unknown>;
      logLines.push(line);
      if (ready(line)) resolve(line);
    });
  });
}

const apiLog: Record<string, unknown>[] = [];
const workerLog: Record<string, unknown>[] = [];
let apiAddress: string;
// Not under the private (0700) data directory: the sandbox's user must reach the run's files.
const runnerWorkDir = join(tmpdir(), `pocdojo-traces-runner-${process.pid}`);

beforeAll(async () => {
  receiver = await OtlpReceiver.start();
  database = await createTestDatabase('pocdojo_traces');
  dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-traces-'));
  const env = {
    ...fastVideoEnv,
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    LOG_LEVEL: 'info',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    // Short batches so the test does not wait out the default five seconds.
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  const api = await startProcess(
    'api/src/main.ts',
    { ...env, PORT: '0', VIDEO_WORKER: 'off' },
    (line) => line.msg === 'API listening',
    apiLog,
  );
  apiAddress = String(api.address);
  await startProcess(
    'api/src/jobs/worker-main.ts',
    { ...env, PORT: '0', VIDEO_WORKER: 'inline' },
    (line) => line.msg === 'worker ready',
    workerLog,
  );
  handle = await openDatabase({
    databaseUrl: database.url,
    dataDir,
    logger: createLogger({ level: 'silent', name: 'traces-test' }),
  });
}, 120_000);

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode !== null) continue;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  await handle?.close();
  await receiver?.close();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(runnerWorkDir, { recursive: true, force: true });
});

async function post<T>(path: string, body: unknown, token?: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${apiAddress}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

describe('a traced video request', () => {
  it('is one trace from the HTTP request through the queued job to the render, across two processes', async () => {
    const admin = await post<{ accessToken: string; user: { id: string }; tenant: { id: string } }>(
      '/api/v1/auth/signup',
      { tenantName: 'Traced', email: 'ada@example.com', password: 'correct horse battery', displayName: 'Ada' },
    );
    expect(admin.status).toBe(201);
    await seedPocs(handle, admin.body.tenant.id, admin.body.user.id, yearOfPocs(3, 2026));

    const queued = await post<{ id: string }>('/api/v1/videos', { year: 2026 }, admin.body.accessToken);
    expect(queued.status).toBe(202);
    await eventually(async () => {
      const response = await fetch(`${apiAddress}/api/v1/videos/${queued.body.id}`, {
        headers: { authorization: `Bearer ${admin.body.accessToken}` },
      });
      const video = (await response.json()) as { status: string };
      return video.status === 'done' ? video : undefined;
    }, 'the render');

    const request = await eventually(
      async () => receiver.spans.find((span) => span.name === 'POST /api/v1/videos'),
      'the request span',
    );
    const inTrace = (name: string) => (spans: ReceivedSpan[]) =>
      spans.find((span) => span.traceId === request.traceId && span.name === name);
    const byName = async (name: string) => eventually(async () => inTrace(name)(receiver.spans), `span ${name}`);
    const send = await byName('video-render send');
    const process = await byName('video-render process');
    const render = await byName('video render');
    const upload = await byName('video upload');

    expect(request).toMatchObject({ service: 'pocdojo-api', kind: spanKind.server, parentSpanId: '' });
    expect(request.attributes['http.route']).toBe('/api/v1/videos');
    expect(send).toMatchObject({ service: 'pocdojo-api', kind: spanKind.producer });
    expect(ancestors(send).map((span) => span.spanId)).toContain(request.spanId);
    expect(process).toMatchObject({ service: 'pocdojo-worker', kind: spanKind.consumer, parentSpanId: send.spanId });
    expect(render).toMatchObject({ service: 'pocdojo-worker', parentSpanId: process.spanId });
    expect(upload).toMatchObject({ service: 'pocdojo-worker', parentSpanId: process.spanId });

    // Postgres calls are spans of the trace on both sides: the request's inserts, the render's reads.
    const queries = receiver.spans.filter(
      (span) => span.traceId === request.traceId && span.kind === spanKind.client && span.attributes['db.system.name'],
    );
    expect(new Set(queries.map((span) => span.service))).toEqual(new Set(['pocdojo-api', 'pocdojo-worker']));
    expect(queries.every((span) => span.parentSpanId !== '')).toBe(true);

    // And the worker's log line about the render names the trace it belongs to.
    const rendered = workerLog.find((line) => line.msg === 'video rendered');
    expect(rendered).toMatchObject({ trace_id: request.traceId });
  }, 120_000);

  it('does not trace health probes', async () => {
    await fetch(`${apiAddress}/healthz`);
    await fetch(`${apiAddress}/api/v1/users`);
    await eventually(
      async () => receiver.spans.find((span) => span.attributes['url.path'] === '/api/v1/users'),
      'a later request',
    );
    expect(receiver.spans.some((span) => span.attributes['url.path'] === '/healthz')).toBe(false);
  }, 60_000);
});

describe('a traced run request', () => {
  it('is one trace from the HTTP request through the queue to the sandbox run in the runner', async () => {
    await mkdir(runnerWorkDir, { recursive: true });
    await startProcess(
      'runner/src/main.ts',
      {
        DATA_DIR: dataDir,
        DATABASE_URL: database.url,
        LOG_LEVEL: 'info',
        PORT: '0',
        RUNNER_WORK_DIR: runnerWorkDir,
        RUNNER_WALL_SECONDS: '60',
        RUNNER_CPU_SECONDS: '60',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
      (line) => line.msg === 'runner ready',
      [],
    );
    const owner = await post<{ accessToken: string }>('/api/v1/auth/signup', {
      tenantName: 'Traced runs',
      email: 'grace@example.com',
      password: 'correct horse battery',
      displayName: 'Grace',
    });
    expect(owner.status).toBe(201);
    const dojo = await post<{ id: string }>(
      '/api/v1/dojos',
      { title: 'FizzBuzz', format: 'randori', language: 'javascript' },
      owner.body.accessToken,
    );
    expect(dojo.status).toBe(201);
    // 503 until the runner has checked that it can run JavaScript and said so.
    const queued = await eventually(async () => {
      const reply = await post<{ id: string }>(`/api/v1/dojos/${dojo.body.id}/runs`, {}, owner.body.accessToken);
      return reply.status === 202 ? reply.body : undefined;
    }, 'a runner for JavaScript');

    const run = await eventually(
      async () => receiver.spans.find((span) => span.name === 'dojo run' && span.attributes['run.id'] === queued.id),
      'the run span',
      120_000,
    );
    const sandbox = await eventually(
      async () => receiver.spans.find((span) => span.name === 'sandbox run' && span.parentSpanId === run.spanId),
      'the sandbox run span',
    );
    // The root of the run's trace is the HTTP request that asked for it, in the API process.
    const request = await eventually(async () => {
      const root = ancestors(run).at(-1);
      return root?.parentSpanId === '' ? root : undefined;
    }, 'the request span');

    expect(request).toMatchObject({
      name: 'POST /api/v1/dojos/:id/runs',
      service: 'pocdojo-api',
      kind: spanKind.server,
    });
    expect(run).toMatchObject({ service: 'pocdojo-runner', traceId: request.traceId });
    expect(sandbox).toMatchObject({ service: 'pocdojo-runner', traceId: request.traceId });
  }, 180_000);
});

/** The chain of parents of `span` among the received spans. */
function ancestors(span: ReceivedSpan): ReceivedSpan[] {
  const chain: ReceivedSpan[] = [];
  let parent = receiver.spans.find((other) => other.spanId === span.parentSpanId);
  while (parent) {
    chain.push(parent);
    const next = parent.parentSpanId;
    parent = receiver.spans.find((other) => other.spanId === next);
  }
  return chain;
}
