import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createIdentity, createLogger, revokeTokensOf } from '@pocdojo/shared';
import { nextSecond } from '@pocdojo/shared/testing/next-second';
import { openMigratedTestDatabase } from '@pocdojo/shared/testing/test-database';
import { OtlpReceiver } from '@pocdojo/shared/testing/otlp-receiver';
import { startLocalStunServer } from './local-stun-server.ts';
import { VoiceTestClient } from './webrtc-voice-client.ts';

/** `npm run media` on a spare port, found from its 'listening' log line, until the test kills it. */
async function startMediaProcess(dataDir: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'media/src/main.ts'], {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      MEDIA_PORT: '0',
      MEDIA_WORKERS: '1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    // A process that never says it listens must not outlive the test.
    const silence = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('media process did not listen within 60 s'));
    }, 60_000);
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg !== 'media service listening' || !entry.port) return;
      clearTimeout(silence);
      resolve(entry.port);
    });
    child.once('exit', (code) => {
      clearTimeout(silence);
      reject(new Error(`media process exited with ${code}`));
    });
  });
  return { child, exited, base: `127.0.0.1:${port}` };
}

let child: ChildProcess;
let dataDir: string;
let base: string;
let exited: Promise<number | null>;
let receiver: OtlpReceiver;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-media-process-'));
  receiver = await OtlpReceiver.start();
  ({ child, exited, base } = await startMediaProcess(dataDir, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '200',
  }));
});
afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await receiver?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm run media: the voice service as its own process', () => {
  it('answers /healthz, /readyz and /metrics', async () => {
    expect((await fetch(`http://${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`http://${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { voice: 'ok' },
      voice: { available: true, workers: 1, mediasoupVersion: '3.8.4' },
    });
    const metrics = await (await fetch(`http://${base}/metrics`)).text();
    expect(metrics).toMatch(/^media_workers\{service="media"\} 1$/m);
    expect(metrics).toMatch(/^pocdojo_readiness_check\{check="voice",service="media"\} 1$/m);
  });

  it('admits a token from the shared identity, and closes sessions with 4503 on SIGTERM before exiting 0, traced', async () => {
    const identity = await createIdentity({ DATA_DIR: dataDir, AUTH_ISSUER: 'poc-dojo', AUTH_AUDIENCE: 'poc-dojo' });
    const token = await identity.issuer!.issue({ sub: 'alice', tid: 't_acme', roles: ['participant'], dojo: 'd1' }, 60);
    const stun = await startLocalStunServer();
    const client = await VoiceTestClient.connect(`ws://${base}/media`, stun.url);
    expect(await client.join(token, 't_acme/d1')).toMatchObject({ canProduce: true, muted: false });
    await client.openMicrophone();
    await client.startReceiving();

    child.kill('SIGTERM');
    expect(await client.waitForClose()).toBe(4503);
    expect(await exited).toBe(0);
    await client.close();
    await stun.close();

    // The drain sent its spans before exiting: the connection, open to close, with each request inside.
    const connection = receiver.spans.find((span) => span.name === 'voice connection');
    expect(connection).toMatchObject({ service: 'pocdojo-media', kind: 2, parentSpanId: '' });
    expect(connection?.attributes).toMatchObject({ 'voice.room': 't_acme/d1', 'websocket.close.code': 4503 });
    const requests = receiver.spans.filter((span) => span.parentSpanId === connection?.spanId).map((span) => span.name);
    expect(requests).toEqual(
      expect.arrayContaining([
        'voice join',
        'voice createTransport',
        'voice connectTransport',
        'voice produce',
        'voice startConsuming',
      ]),
    );
  });
});

describe('npm run media with DATABASE_URL', () => {
  const logger = createLogger({ level: 'silent', name: 'media-process-test' });
  let media: Awaited<ReturnType<typeof startMediaProcess>>;
  let migrated: Awaited<ReturnType<typeof openMigratedTestDatabase>>;
  let ownDataDir: string;

  beforeAll(async () => {
    ownDataDir = await mkdtemp(join(tmpdir(), 'pocdojo-media-revocations-'));
    migrated = await openMigratedTestDatabase(logger);
    const { db } = migrated.database;
    await sql`INSERT INTO tenants (id, name, slug) VALUES ('t_acme', 'Acme', 'acme')`.execute(db);
    await sql`INSERT INTO users (id, tenant_id, email, display_name, roles)
              VALUES ('u_leaving', 't_acme', 'leaving@acme.test', 'Lee', ARRAY['participant'])`.execute(db);
    media = await startMediaProcess(ownDataDir, { DATABASE_URL: migrated.database.connectionString });
  });
  afterAll(async () => {
    if (media?.child.exitCode === null) media.child.kill('SIGKILL');
    await migrated?.close();
    await rm(ownDataDir, { recursive: true, force: true });
  });

  it('reads token revocations before it is ready, and ends a revoked person’s session at once', async () => {
    // Ready once the revocations are read, a moment after it listens.
    const deadline = Date.now() + 10_000;
    let ready = await fetch(`http://${media.base}/readyz`);
    while (ready.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ready = await fetch(`http://${media.base}/readyz`);
    }
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { voice: 'ok', tokenRevocations: 'ok' } });
    const identity = await createIdentity({ DATA_DIR: ownDataDir, AUTH_ISSUER: 'poc-dojo', AUTH_AUDIENCE: 'poc-dojo' });
    const claims = { sub: 'u_leaving', tid: 't_acme', roles: ['participant' as const], dojo: 'd1' };
    const oldToken = await identity.issuer!.issue(claims, 600);
    const stun = await startLocalStunServer();
    const client = await VoiceTestClient.connect(`ws://${media.base}/media`, stun.url);
    try {
      await client.join(oldToken, 't_acme/d1');
      await nextSecond();
      await migrated.database.db.transaction().execute((trx) => revokeTokensOf(trx, claims.sub));
      expect(await client.waitForClose()).toBe(4401);
      const again = await VoiceTestClient.connect(`ws://${media.base}/media`, stun.url);
      await expect(again.join(oldToken, 't_acme/d1')).rejects.toMatchObject({ code: 'unauthorized' });
      await again.close();
    } finally {
      await client.close();
      await stun.close();
    }
  });
});
