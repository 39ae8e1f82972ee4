import { execFile } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey } from '../src/auth/signing-key.ts';

const run = promisify(execFile);
const signingKeyModule = fileURLToPath(new URL('../src/auth/signing-key.ts', import.meta.url));

describe('the embedded signing key', () => {
  it('is created once when several processes start at once on a fresh data dir, and each reads it whole', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-key-'));
    const script = `const { loadOrCreateSigningKey } = await import(${JSON.stringify(signingKeyModule)});
      process.stdout.write((await loadOrCreateSigningKey(${JSON.stringify(dataDir)})).kid);`;
    const starters = await Promise.all(
      Array.from({ length: 8 }, () => run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script])),
    );
    expect(new Set(starters.map(({ stdout }) => stdout)).size).toBe(1);
    expect(await readdir(join(dataDir, 'keys'))).toEqual(['signing-key.json']);
  });

  it('is the same key after a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-key-'));
    const first = await loadOrCreateSigningKey(dataDir);
    expect((await loadOrCreateSigningKey(dataDir)).publicJwk).toEqual(first.publicJwk);
  });
});
