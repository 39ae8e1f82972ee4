/**
 * Bundles each k6 scenario (TypeScript) with `yjs` and `lib0` into one ES module k6 can run:
 * `load-tests/build/<scenario>.js`. k6's own modules stay imports; `lib0/webcrypto` is swapped for a
 * `k6/crypto`-based random source.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const loadTests = join(dirname(fileURLToPath(import.meta.url)), '..');

export const k6Scenarios = ['dojo-room', 'many-rooms', 'join-storm', 'idle-connections', 'large-document'] as const;

export const defaultBundleDirectory = join(loadTests, 'build');

export async function buildK6Bundles(outdir = defaultBundleDirectory): Promise<string[]> {
  const result = await build({
    entryPoints: k6Scenarios.map((name) => join(loadTests, 'k6', `${name}.ts`)),
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    // The syntax level k6's JavaScript runtime (Sobek) runs.
    target: 'es2020',
    mainFields: ['module', 'main'],
    conditions: ['module', 'import'],
    external: ['k6', 'k6/*'],
    alias: { 'lib0/webcrypto': join(loadTests, 'k6', 'random-source.ts') },
    logLevel: 'silent',
    metafile: true,
  });
  return Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.js'));
}
