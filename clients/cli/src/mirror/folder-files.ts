/**
 * The folder side of the mirror: reading a file as text, writing one atomically (a temporary file in
 * the same folder, then a rename, so an editor or a test runner never reads half a file), removing one,
 * and the read-only bit that shows a person they may not edit right now.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { temporaryPrefix } from './mirror-paths.ts';

/** Larger files are not code anyone types in a dojo; the mirror leaves them out and says so. */
export const maxFileBytes = 1024 * 1024;

export type FileRead = { kind: 'missing' } | { kind: 'text'; text: string } | { kind: 'unsupported'; why: string };

const writable = 0o644;
const readOnly = 0o444;

export async function readTextFile(path: string): Promise<FileRead> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if (isMissing(error)) return { kind: 'missing' };
    throw error;
  }
  if (bytes.length > maxFileBytes) return { kind: 'unsupported', why: `larger than ${maxFileBytes / 1024} KiB` };
  if (bytes.includes(0)) return { kind: 'unsupported', why: 'a binary file' };
  return { kind: 'text', text: bytes.toString('utf8') };
}

/** Writes `text` to `path` whole or not at all; the file is read-only when `locked`. */
export async function writeFileAtomically(path: string, text: string, locked: boolean): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `${temporaryPrefix}${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, text, { mode: locked ? readOnly : writable });
    await chmod(temporary, locked ? readOnly : writable);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

export async function setLocked(path: string, locked: boolean): Promise<void> {
  try {
    await chmod(path, locked ? readOnly : writable);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
}

/** Every file under `folder`, as `/`-separated relative paths, skipping what `skip` says. */
export async function listFiles(folder: string, skip: (path: string) => boolean): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((path) => !skip(path));
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
