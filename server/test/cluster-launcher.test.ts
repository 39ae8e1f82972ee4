import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenIssuer, loadOrCreateSigningKey } from '@pocdojo/shared';
import { createTestDatabase, testRedisUrl, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { connect, eventually, synced } from './support/providers.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

async function sparePortPair(): Promise<number> {
  for (;;) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const next = createServer();
    const free = await new Promise<boolean>((resolve) => {
      next.once('error', () => resolve(false));
      next.listen(port + 1, '127.0.0.1', () => next.close(() => resolve(true)));
    });
    if (free && port < 65_000) return port;
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
        stdio: 'ignore',
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
      30_000,
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
