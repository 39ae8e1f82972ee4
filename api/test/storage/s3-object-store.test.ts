import { buffer } from 'node:stream/consumers';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../src/storage/object-store.ts';
import { openObjectStore } from '../../src/storage/storage-config.ts';

// s3rver's built-in account. It checks presigned URLs' expiry but does not verify V4 signatures, so
// signature tampering is AWS's (and MinIO's) to refuse, not something this test can show.
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const bucket = 'pocdojo-videos';

describe('the S3 object store against a real S3-protocol server', () => {
  let dir: string;
  let server: S3rver;
  let endpoint: string;
  let store: ObjectStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3-test-'));
    server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: join(dir, 's3'),
      configureBuckets: [{ name: bucket }],
    });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    store = await openObjectStore({
      DATA_DIR: join(dir, 'data'),
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      S3_FORCE_PATH_STYLE: true,
      STORAGE_URL_SECRET: undefined,
    });
  });
  afterAll(async () => {
    await store.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is the S3 implementation when a bucket is configured', () => {
    expect(store.kind).toBe('s3');
  });

  it('uploads a file and serves it back through a presigned GET URL', async () => {
    const file = join(dir, 'video.mp4');
    const bytes = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
    await writeFile(file, bytes);
    await store.putFile({ tenantId: 't_alpha', path: 'videos/v1/video.mp4' }, file, 'video/mp4');

    const url = await store.signedUrl(
      { tenantId: 't_alpha', path: 'videos/v1/video.mp4' },
      { expiresInSec: 60, downloadName: 'Ada 2026.mp4' },
    );
    expect(url).toContain('X-Amz-Signature=');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    expect(response.headers.get('content-disposition')).toContain('Ada 2026.mp4');
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('keeps every key under the tenant prefix', async () => {
    await store.putBuffer({ tenantId: 't_beta', path: 'videos/v2/card.png' }, Buffer.from('png'), 'image/png');
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([
        't_alpha/videos/v1/video.mp4',
        't_beta/videos/v2/card.png',
      ]);
    } finally {
      client.destroy();
    }
  });

  it('reads an object back as a stream (the personal-data export), and says not_found for a missing one', async () => {
    const stream = await store.read({ tenantId: 't_beta', path: 'videos/v2/card.png' });
    expect((await buffer(stream)).toString()).toBe('png');
    await expect(store.read({ tenantId: 't_beta', path: 'videos/v9/none.png' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('deletes objects', async () => {
    await store.delete({ tenantId: 't_beta', path: 'videos/v2/card.png' });
    const response = await fetch(
      await store.signedUrl({ tenantId: 't_beta', path: 'videos/v2/card.png' }, { expiresInSec: 60 }),
    );
    expect(response.status).toBe(404);
  });

  it('refuses paths that would leave the tenant prefix', async () => {
    await expect(
      store.putBuffer({ tenantId: 't_beta', path: '../t_alpha/x.png' }, Buffer.from('x'), 'image/png'),
    ).rejects.toThrow('invalid object location');
  });
});
