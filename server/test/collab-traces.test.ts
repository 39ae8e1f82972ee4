import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { OtlpReceiver, type ReceivedSpan } from '@pocdojo/shared/testing/otlp-receiver';
import { testRedisUrl } from '@pocdojo/shared/testing/test-database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledged, connect, eventually, synced } from './support/providers.ts';
import { ServerProcess } from './support/server-process.ts';
import { createDojoRow, join, type Member } from './dojo/dojo-support.ts';

/**
 * The all-in-one server exporting traces to an OTLP/HTTP receiver, on a real Postgres and Redis: a
 * WebSocket connection is a trace of its own (authentication and document load inside it), commits
 * trace on their own, the API served over uWebSockets.js continues the caller's trace, and a dojo's
 * `run` command, its queued run and the in-process runner's sandbox run are one trace.
 */
const spanKind = { server: 2, client: 3 };

let receiver: OtlpReceiver;
let server: ServerProcess;
// Not under the private (0700) data directory: the sandbox's user must reach the run's files.
const runnerWorkDir = joinPath(tmpdir(), `pocdojo-collab-traces-runner-${process.pid}`);
const members: Member[] = [];

beforeAll(async () => {
  receiver = await OtlpReceiver.start();
  await mkdir(runnerWorkDir, { recursive: true });
  server = await ServerProcess.onTestDatabase({
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: `traces-${randomBytes(4).toString('hex')}`,
      RUN_WORKER: 'inline',
      RUNNER_WORK_DIR: runnerWorkDir,
      RUNNER_CONCURRENCY: '1',
      RUNNER_HEARTBEAT_SECONDS: '1',
    },
  });
}, 120_000);

afterAll(async () => {
  for (const member of members) member.leave();
  await server?.dispose();
  await receiver?.close();
  await rm(runnerWorkDir, { recursive: true, force: true });
});

/** Waits for a span that `match` accepts among those received so far. */
async function received(what: string, match: (span: ReceivedSpan) => boolean): Promise<ReceivedSpan> {
  let found: ReceivedSpan | undefined;
  await eventually(() => (found = receiver.spans.find(match)) !== undefined, what, 30_000);
  return found!;
}

const childrenOf = (parent: ReceivedSpan) => receiver.spans.filter((span) => span.parentSpanId === parent.spanId);

describe('traces of the collaboration tier', () => {
  it('traces a WebSocket connection from open to close, with its authentication and document load inside', async () => {
    const writer = connect({
      url: server.wsUrl,
      name: 't_acme/dojo/traced/code',
      token: await server.token({ sub: 'ada', tid: 't_acme', roles: ['participant'] }),
    });
    await synced(writer);
    writer.text.insert(0, 'traced edit');
    await acknowledged(writer);
    writer.destroy();

    const connection = await received(
      'the connection span',
      (span) => span.name === 'collab connection' && span.attributes['websocket.close.code'] !== undefined,
    );
    expect(connection).toMatchObject({ service: 'pocdojo', kind: spanKind.server, parentSpanId: '' });
    const authenticate = await received('authentication', (span) => span.name === 'collab authenticate');
    expect(authenticate).toMatchObject({ traceId: connection.traceId, parentSpanId: connection.spanId });
    expect(authenticate.attributes['document.name']).toBe('t_acme/dojo/traced/code');
    const load = await received(
      'the document load',
      (span) => span.name === 'document load' && span.attributes['document.name'] === 't_acme/dojo/traced/code',
    );
    expect(load.traceId).toBe(connection.traceId);
    expect(childrenOf(load).some((span) => span.attributes['db.system.name'] === 'postgresql')).toBe(true);

    // The commit serves many sockets: a trace of its own, whose insert is a Postgres span inside it.
    const commit = await received('a group commit', (span) => span.name === 'group commit');
    expect(commit.parentSpanId).toBe('');
    expect(commit.attributes['commit.updates']).toBeGreaterThan(0);
    expect(childrenOf(commit).some((span) => span.attributes['db.system.name'] === 'postgresql')).toBe(true);

    // The update fans out to the other nodes through Redis, traced as the connection's.
    const publish = await received(
      'a Redis call in the connection',
      (span) => span.traceId === connection.traceId && span.attributes['db.system.name'] === 'redis',
    );
    expect(publish.kind).toBe(spanKind.client);
  }, 90_000);

  it('serves the API on the shared port inside the trace its caller sent', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const response = await fetch(`${server.httpUrl}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${callerSpanId}-01` },
      body: JSON.stringify({ tenantName: 'Traced', email: 'ada@example.com', password: 'correct horse battery' }),
    });
    expect(response.status).toBe(201);

    const request = await received(
      'the API request span',
      (span) => span.traceId === traceId && span.kind === spanKind.server,
    );
    expect(request).toMatchObject({
      name: 'POST /api/v1/auth/signup',
      parentSpanId: callerSpanId,
      attributes: expect.objectContaining({ 'http.route': '/api/v1/auth/signup', 'http.response.status_code': 201 }),
    });
    // The routes run inside it: their queries are spans of the caller's trace.
    await received(
      'a query of the request',
      (span) => span.traceId === traceId && span.attributes['db.system.name'] === 'postgresql',
    );
  }, 60_000);

  it('continues the trace of a dojo’s run command in the runner, through the queued run', async () => {
    await createDojoRow(server.options.databaseUrl as string, {
      tenantId: 't_acme',
      dojoId: 'd_traced_run',
      format: 'randori',
      turnMinutes: 10,
      language: 'javascript',
    });
    const fay = await join(server, {
      tenantId: 't_acme',
      dojoId: 'd_traced_run',
      userId: 'fay',
      name: 'Fay',
      role: 'facilitator',
    });
    members.push(fay);
    await fay.connection.whenSynced();
    // Refused as unavailable until the in-process runner has checked that it can run JavaScript.
    await eventually(
      async () => {
        const { ok } = (await fay.connection.send('run', {})) as { ok: boolean };
        if (!ok) await new Promise((resolve) => setTimeout(resolve, 500));
        return ok;
      },
      'a runner for JavaScript',
      90_000,
    );

    const request = await received('the run request', (span) => span.name === 'dojo run request' && span.status !== 2);
    const run = await received('the run', (span) => span.name === 'dojo run' && span.traceId === request.traceId);
    await received('the sandbox run', (span) => span.name === 'sandbox run' && span.parentSpanId === run.spanId);
    // The root of that trace is the socket the command came over (exported when it closes).
    fay.leave();
    const connection = await received(
      'the connection',
      (span) => span.name === 'collab connection' && span.traceId === request.traceId,
    );
    expect(connection.parentSpanId).toBe('');
  }, 120_000);
});
