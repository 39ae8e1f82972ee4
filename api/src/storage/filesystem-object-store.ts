import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { DomainError } from '@pocdojo/shared';
import { dirname, join } from 'node:path';
import { objectKey, type ObjectLocation, type ObjectStore, type SignedUrlOptions } from './object-store.ts';

/**
 * The embedded default: objects as files under `<DATA_DIR>/objects/<tenantId>/…`, served by this API at
 * `<urlPrefix>/<tenantId>/…?expires=…&signature=…`. The signature is an HMAC-SHA256 over key, expiry and
 * download name, so a link cannot be stretched in time, pointed at another file or renamed.
 */
export interface FilesystemStoreOptions {
  root: string;
  secret: Buffer;
  /** Path of the file route, e.g. `/api/v1/files`. */
  urlPrefix: string;
  now?: () => number;
}

export interface FilesystemObjectStore extends ObjectStore {
  readonly kind: 'filesystem';
  /** The file behind a signed request, or undefined when the signature is wrong or expired. */
  verify(request: SignedFileRequest): { file: string; downloadName: string | undefined } | undefined;
}

export interface SignedFileRequest {
  key: string;
  expires: number;
  signature: string;
  name: string | undefined;
}

const sign = (secret: Buffer, key: string, expires: number, name: string | undefined) =>
  createHmac('sha256', secret)
    .update(`${key}\n${expires}\n${name ?? ''}`)
    .digest('base64url');

export function createFilesystemObjectStore(options: FilesystemStoreOptions): FilesystemObjectStore {
  const now = options.now ?? Date.now;
  const fileOf = (key: string) => join(options.root, ...key.split('/'));

  /** Writes next to the target and renames, so readers never see a partial object. */
  async function place(location: ObjectLocation, write: (temp: string) => Promise<void>) {
    const target = fileOf(objectKey(location));
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(6).toString('hex')}.part`;
    try {
      await write(temp);
      await rename(temp, target);
    } finally {
      await rm(temp, { force: true });
    }
  }

  return {
    kind: 'filesystem',
    putFile: (location, file) => place(location, (temp) => copyFile(file, temp)),
    putBuffer: (location, body) => place(location, (temp) => writeFile(temp, body)),
    async signedUrl(location: ObjectLocation, { expiresInSec, downloadName }: SignedUrlOptions) {
      const key = objectKey(location);
      const expires = Math.floor(now() / 1000) + expiresInSec;
      const query = new URLSearchParams({ expires: String(expires) });
      if (downloadName) query.set('name', downloadName);
      query.set('signature', sign(options.secret, key, expires, downloadName));
      return `${options.urlPrefix}/${key}?${query.toString()}`;
    },
    verify({ key, expires, signature, name }) {
      const keyIsValid = (() => {
        try {
          const [tenantId, ...path] = key.split('/');
          return objectKey({ tenantId: tenantId ?? '', path: path.join('/') }) === key;
        } catch {
          return false;
        }
      })();
      if (!keyIsValid || !Number.isSafeInteger(expires) || expires * 1000 < now()) return undefined;
      const expected = Buffer.from(sign(options.secret, key, expires, name));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
      return { file: fileOf(key), downloadName: name };
    },
    async read(location) {
      const file = fileOf(objectKey(location));
      const found = await stat(file).catch(() => undefined);
      if (!found?.isFile()) throw new DomainError('not_found', 'no such stored file');
      return createReadStream(file);
    },
    async delete(location) {
      await rm(fileOf(objectKey(location)), { force: true });
    },
    async close() {},
  };
}

/**
 * The URL-signing secret: from configuration when given (several API processes sharing DATA_DIR),
 * otherwise created once in DATA_DIR with mode 0600 and reused across restarts.
 */
export async function loadOrCreateUrlSecret(dataDir: string, configured: string | undefined): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  const dir = join(dataDir, 'keys');
  const file = join(dir, 'storage-url-secret');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Written whole to a private name, then linked into place: a concurrent starter either wins the
  // link or reads the winner's complete file, never a half-written one.
  const temp = `${file}.${randomBytes(6).toString('hex')}`;
  await writeFile(temp, randomBytes(32).toString('base64url'), { mode: 0o600 });
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temp, { force: true });
  }
  return Buffer.from((await readFile(file, 'utf8')).trim(), 'utf8');
}
