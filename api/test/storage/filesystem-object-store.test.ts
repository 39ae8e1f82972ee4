import { buffer } from 'node:stream/consumers';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@pocdojo/shared';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installProblemHandlers } from '../../src/problem-details.ts';
import { fileRoutes } from '../../src/storage/file-routes.ts';
import {
  createFilesystemObjectStore,
  loadOrCreateUrlSecret,
  type FilesystemObjectStore,
} from '../../src/storage/filesystem-object-store.ts';

describe('the filesystem object store with HMAC-signed download links', () => {
  let dir: string;
  let store: FilesystemObjectStore;
  let app: FastifyInstance;
  let clock = Date.UTC(2026, 10, 21, 12);
  const bytes = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 256));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fs-store-test-'));
    const secret = await loadOrCreateUrlSecret(dir, undefined);
    store = createFilesystemObjectStore({
      root: join(dir, 'objects'),
      secret,
      urlPrefix: '/api/v1/files',
      now: () => clock,
    });
    app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    installProblemHandlers(app, createLogger({ level: 'silent', name: 'test' }));
    await app.register(fileRoutes, { prefix: '/api/v1', store });
    await app.ready();
    const file = join(dir, 'upload.mp4');
    await writeFile(file, bytes);
    await store.putFile({ tenantId: 't_alpha', path: 'videos/v1/video.mp4' }, file, 'video/mp4');
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  const location = { tenantId: 't_alpha', path: 'videos/v1/video.mp4' };

  it('stores objects under DATA_DIR/objects/<tenant>/ without leftovers', async () => {
    expect(await readdir(join(dir, 'objects', 't_alpha', 'videos', 'v1'))).toEqual(['video.mp4']);
  });

  it('reads an object back as a stream (the personal-data export), and says not_found for a missing one', async () => {
    expect((await buffer(await store.read(location))).equals(bytes)).toBe(true);
    await expect(store.read({ tenantId: 't_alpha', path: 'videos/v9/none.mp4' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('serves the file to a valid signed link, with the download name', async () => {
    const url = await store.signedUrl(location, { expiresInSec: 300, downloadName: 'Ada 2026.mp4' });
    expect(url).toMatch(/^\/api\/v1\/files\/t_alpha\/videos\/v1\/video\.mp4\?expires=\d+&name=.+&signature=/);
    const response = await app.inject({ url });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('video/mp4');
    expect(response.headers['content-disposition']).toContain('Ada 2026.mp4');
    expect(response.rawPayload.equals(bytes)).toBe(true);
  });

  it('answers range requests so players can seek', async () => {
    const url = await store.signedUrl(location, { expiresInSec: 300 });
    const response = await app.inject({ url, headers: { range: 'bytes=100-199' } });
    expect(response.statusCode).toBe(206);
    expect(response.headers['content-range']).toBe('bytes 100-199/10000');
    expect(response.rawPayload.equals(bytes.subarray(100, 200))).toBe(true);
  });

  it('refuses the link once it has expired', async () => {
    const url = await store.signedUrl(location, { expiresInSec: 300 });
    clock += 301_000;
    try {
      expect((await app.inject({ url })).statusCode).toBe(403);
    } finally {
      clock -= 301_000;
    }
  });

  it('refuses a link whose expiry, name or path was changed', async () => {
    const url = await store.signedUrl(location, { expiresInSec: 300, downloadName: 'a.mp4' });
    const later = url.replace(/expires=(\d+)/, (_, e: string) => `expires=${Number(e) + 3600}`);
    expect((await app.inject({ url: later })).statusCode).toBe(403);
    expect((await app.inject({ url: url.replace('name=a.mp4', 'name=b.mp4') })).statusCode).toBe(403);
    await store.putBuffer({ tenantId: 't_beta', path: 'videos/v1/video.mp4' }, Buffer.from('beta'), 'video/mp4');
    expect((await app.inject({ url: url.replace('/t_alpha/', '/t_beta/') })).statusCode).toBe(403);
    expect((await app.inject({ url: url.replace('/t_alpha/videos', '/t_alpha/../t_beta/videos') })).statusCode).toBe(
      403,
    );
  });

  it('keeps the generated signing secret across restarts', async () => {
    const first = await loadOrCreateUrlSecret(dir, undefined);
    const second = await loadOrCreateUrlSecret(dir, undefined);
    expect(first.equals(second)).toBe(true);
    expect(first.length).toBeGreaterThanOrEqual(32);
  });
});
