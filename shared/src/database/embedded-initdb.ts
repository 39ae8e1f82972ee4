import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const runNode = promisify(execFile);

/**
 * Creates the embedded database's data directory, when it has none yet, in a short-lived process of its own.
 *
 * initdb grows the WebAssembly memory of the PGlite that runs it to about 700 MiB, and WebAssembly memory
 * never shrinks: run by the server's own PGlite, all of it would stay in the process until its next restart,
 * where opening the existing directory takes about 300 MiB. Not a thread either: a thread's WebAssembly
 * memory goes with it, but the C allocator keeps the arenas its buffers came from. Side by side on
 * 2026-12-07, the all-in-one started on a new directory peaked at 1.1 GiB and then held 490–520 MiB with
 * initdb in a thread, against a 450–460 MiB peak and 440 MiB held with it in a process. A process returns
 * everything when it exits; its seconds of work also leave the server's event loop free.
 */
export async function createDataDirIfMissing(dataDir: string): Promise<void> {
  if (await isDataDir(dataDir)) return;
  // A script given with -e resolves bare specifiers from the working directory, not from this package: pass the URL.
  const pglite = import.meta.resolve('@electric-sql/pglite');
  // The child reports a failure as its message alone: Node's report of an uncaught error ends with its
  // stack and version, which said nothing in the server's error. PGlite's file layer throws Emscripten's
  // ErrnoError, which is no Error and has no message: its fields are shown instead.
  const script = `import { inspect } from 'node:util';
    const [pglite, dataDir] = process.argv.slice(1);
    try {
      const { PGlite } = await import(pglite);
      await (await PGlite.create({ dataDir })).close();
    } catch (error) {
      process.stderr.write(error instanceof Error ? error.message : inspect(error, { breakLength: Infinity }));
      process.exit(1);
    }`;
  try {
    await runNode(process.execPath, ['--input-type=module', '-e', script, pglite, dataDir], { maxBuffer: 1024 * 1024 });
  } catch (error) {
    const stderr = error instanceof Error && 'stderr' in error ? String(error.stderr).trim() : '';
    throw new Error(`initdb failed: ${stderr || (error instanceof Error ? error.message : String(error))}`, {
      cause: error,
    });
  }
}

async function isDataDir(dataDir: string): Promise<boolean> {
  return access(join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}
