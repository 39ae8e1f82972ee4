import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenIssuer, loadOrCreateSigningKey } from '@pocdojo/shared';
import { createTestDatabase, testRedisUrl, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { connect, eventually, synced } from './support/providers.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

/**
 * Two consecutive free ports below Linux's ephemeral range (32768+): ports there are handed out to every
 * other test's `listen(0)` and connections, and one could be taken between this check and the launch.
 */
async function sparePortPair(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if ((await isFree(port)) && (await isFree(port + 1))) return port;
  }
}

describe('npm run cluster', () => {
  let database: TestDatabase;
  afterAll(async () => database?.drop());

  it('starts N nodes on consecutive ports that share documents, and drains them all on Ctrl-C', async () => {
    database = await createTestDatabase();
    const dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-launcher-'));
    const basePort = await sparePortPair();
    const launcher = spawn(
      process.execPath,
      ['--import', 'tsx', 'server/src/cluster.ts', '--nodes', '2', '--base-port', String(basePort)],
      {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH,
          DATA_DIR: dataDir,
          DATABASE_URL: database.url,
          REDIS_URL: testRedisUrl(),
          REDIS_PREFIX: `launcher${basePort}`,
          LOG_LEVEL: 'warn',
        },
        // The nodes' own log lines show in the test output when they fail to start.
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const exited = new Promise<number | null>((resolve) => launcher.once('exit', resolve));
    const ports = [basePort, basePort + 1];
    await eventually(
      async () =>
        (
          await Promise.all(
            ports.map((p) =>
              fetch(`http://127.0.0.1:${p}/readyz`).then(
                (r) => r.ok,
                () => false,
              ),
            ),
          )
        ).every(Boolean),
      'both nodes ready',
      60_000,
    );

    const key = await loadOrCreateSigningKey(dataDir);
    const token = await createTokenIssuer({ key, issuer: 'poc-dojo', audience: 'poc-dojo' }).issue(
      { sub: 'u', tid: 't_acme', roles: ['participant'] },
      600,
    );
    const [one, two] = ports.map((p) =>
      connect({ url: `ws://127.0.0.1:${p}/collab`, name: 't_acme/dojo/l/code', token }),
    ) as [ReturnType<typeof connect>, ReturnType<typeof connect>];
    await Promise.all([synced(one), synced(two)]);
    one.text.insert(0, 'from node one');
    await eventually(() => two.text.toString() === 'from node one', 'edit crosses the launched nodes');
    one.destroy();
    two.destroy();

    launcher.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
