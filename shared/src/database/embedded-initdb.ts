import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Creates the embedded database's data directory, when it has none yet, in a thread of its own.
 *
 * initdb grows the WebAssembly memory of the PGlite that runs it to about 700 MiB, and WebAssembly memory
 * never shrinks: run by the server's own PGlite, all of it would stay in the process until its next restart,
 * where opening the existing directory takes about 300 MiB. The thread ends with initdb and its memory goes
 * with it; its seconds of work also leave the main thread's event loop free.
 */
export async function createDataDirIfMissing(dataDir: string): Promise<void> {
  if (await isDataDir(dataDir)) return;
  // An eval'd thread resolves bare specifiers from the working directory, not from this package: pass the URL.
  const pglite = import.meta.resolve('@electric-sql/pglite');
  const thread = new Worker(
    `const { workerData } = require('node:worker_threads');
     import(workerData.pglite)
       .then(({ PGlite }) => PGlite.create({ dataDir: workerData.dataDir }))
       .then((db) => db.close());`,
    { eval: true, workerData: { pglite, dataDir } },
  );
  await new Promise<void>((resolve, reject) => {
    let failure: Error | undefined;
    thread.once('error', (error) => (failure = error));
    thread.once('exit', (code) => {
      if (code === 0 && !failure) resolve();
      else reject(failure ?? new Error(`initdb's thread exited with ${code}`));
    });
  });
}

async function isDataDir(dataDir: string): Promise<boolean> {
  return access(join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}
