import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, synced } from './support/providers.ts';
import { ServerProcess } from './support/server-process.ts';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run token', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await ServerProcess.onTestDatabase();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  const tokenCommand = (args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'shared/src/auth/token-cli.ts', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, DATA_DIR: server.options.dataDir },
    });

  it('prints a token the local server accepts', async () => {
    const { stdout } = await tokenCommand([
      '--tenant',
      't_load',
      '--user',
      'k6-1',
      '--role',
      'participant',
      '--ttl',
      '10m',
    ]);
    const client = connect({ url: server.wsUrl, name: 't_load/dojo/room1/code', token: stdout.trim() });
    await synced(client);
    client.destroy();
  });

  it('explains its usage on bad arguments', async () => {
    const failure = await tokenCommand(['--tenant', 'bad tenant!', '--user', 'u']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(/usage: npm run token/);
  });
});
