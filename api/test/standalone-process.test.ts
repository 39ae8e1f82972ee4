import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `npm run api`: the API as its own process, on a real port, stopped by SIGTERM. */
let child: ChildProcess;
let database: TestDatabase;
let dataDir: string;
let address: string;

beforeAll(async () => {
  database = await createTestDatabase('pocdojo_api_main');
  dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-api-main-'));
  child = spawn(process.execPath, ['--import', 'tsx', 'api/src/main.ts'], {
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, DATABASE_URL: database.url, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  address = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`api exited early with ${code}`)));
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as { msg?: string; address?: string };
      if (entry.msg === 'API listening' && entry.address) resolve(entry.address);
    });
  });
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the standalone API process', () => {
  it('serves health, readiness, metrics and the API on its port', async () => {
    expect(await (await fetch(`${address}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${address}/readyz`)).json()).toEqual({ status: 'ready' });
    expect(await (await fetch(`${address}/metrics`)).text()).toContain('process_cpu_user_seconds_total');
    const signup = await fetch(`${address}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantName: 'Standalone', email: 'a@example.com', password: 'correct horse battery' }),
    });
    expect(signup.status).toBe(201);
  });

  it('exits cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
