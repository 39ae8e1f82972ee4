/**
 * The browser tests drive `clients/web/dist`. `npm test` builds it before the tests; a test file run
 * on its own rebuilds it only when a source of the app (or of the SDK it bundles) is newer than the
 * build, so a stale bundle never hides a change and an up-to-date one costs nothing.
 */
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const sources = ['clients/web/src', 'clients/web/index.html', 'clients/web/vite.config.ts', 'clients/sdk/src'];

async function newestChange(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(entries.map((entry) => newestChange(join(path, entry))));
  return Math.max(info.mtimeMs, ...times);
}

export async function ensureWebBuild(): Promise<void> {
  const built = await stat(join(repoRoot, 'clients/web/dist/index.html')).then(
    (info) => info.mtimeMs,
    () => 0,
  );
  const changed = Math.max(...(await Promise.all(sources.map((path) => newestChange(join(repoRoot, path))))));
  if (changed > built) await promisify(execFile)('npm', ['run', 'build:web'], { cwd: repoRoot });
}
