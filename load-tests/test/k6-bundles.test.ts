import { execFile } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildK6Bundles, k6Scenarios } from '../src/k6-bundles.ts';

const run = promisify(execFile);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const k6Project = join(import.meta.dirname, '..', 'k6', 'tsconfig.json');

describe('the k6 scenarios', () => {
  const outdir = mkdtemp(join(tmpdir(), 'k6-bundles-'));
  afterAll(async () => rm(await outdir, { recursive: true, force: true }));

  it('type-check against @types/k6', async () => {
    const { stdout } = await run(process.execPath, [tsc, '-p', k6Project], { encoding: 'utf8' });
    expect(stdout).toBe('');
  });

  it('each bundle into one ES module that imports nothing but k6 modules', async () => {
    const files = await buildK6Bundles(await outdir);
    expect(files.map((file) => file.replace(/^.*\//, '')).sort()).toEqual(
      k6Scenarios.map((name) => `${name}.js`).sort(),
    );
    for (const file of files) {
      const source = await readFile(file, 'utf8');
      const imported = [...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1]);
      expect(imported.length).toBeGreaterThan(0);
      expect(imported.filter((specifier) => !specifier?.startsWith('k6'))).toEqual([]);
      expect(source).toMatch(/^export \{[^}]*\boptions\b/m);
      expect(source).toMatch(/^export \{[^}]*\bsetup\b/m);
    }
  });
});
