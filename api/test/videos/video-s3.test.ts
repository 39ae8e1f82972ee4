import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signUp, type SignedUp, type TestApi } from '../api-harness.ts';
import { eventually, seedPocs, startVideoTestApi, yearOfPocs } from './video-api-harness.ts';

// s3rver's built-in account.
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const bucket = 'pocdojo-media';

describe('yearly videos stored on S3 (s3rver on a spare port)', () => {
  let s3Dir: string;
  let server: S3rver;
  let endpoint: string;
  let api: TestApi;
  let admin: SignedUp;

  beforeAll(async () => {
    s3Dir = await mkdtemp(join(tmpdir(), 'video-s3-'));
    server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: s3Dir,
      configureBuckets: [{ name: bucket }],
    });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    api = await startVideoTestApi({
      env: {
        S3_ENDPOINT: endpoint,
        S3_BUCKET: bucket,
        S3_ACCESS_KEY_ID: credentials.accessKeyId,
        S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      },
    });
    admin = await signUp(api.app, 'S3 Co');
    await seedPocs(api.database, admin.tenant.id, admin.user.id, yearOfPocs(2, 2026));
  });
  afterAll(async () => {
    await api.close();
    await server.close();
    await rm(s3Dir, { recursive: true, force: true });
  });

  it('uploads video and share card under the tenant prefix and downloads through a presigned URL', async () => {
    const queued = await call<{ id: string }>(api.app, 'POST', '/api/v1/videos', {
      token: admin.accessToken,
      body: { year: 2026 },
    });
    await eventually(async () => {
      const reply = await call<{ status: string }>(api.app, 'GET', `/api/v1/videos/${queued.body.id}`, {
        token: admin.accessToken,
      });
      return reply.body.status === 'done' ? true : undefined;
    }, 'the render');

    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([
        `${admin.tenant.id}/videos/${queued.body.id}/card.png`,
        `${admin.tenant.id}/videos/${queued.body.id}/video.mp4`,
      ]);
    } finally {
      client.destroy();
    }

    const download = await call<{ url: string }>(api.app, 'GET', `/api/v1/videos/${queued.body.id}/download`, {
      token: admin.accessToken,
    });
    expect(download.body.url.startsWith(`${endpoint}/${bucket}/${admin.tenant.id}/videos/`)).toBe(true);
    expect(download.body.url).toContain('X-Amz-Expires=300');
    const response = await fetch(download.body.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    expect(
      Buffer.from(await response.arrayBuffer())
        .subarray(4, 8)
        .toString('ascii'),
    ).toBe('ftyp');
    // No file route without the filesystem store.
    expect(
      (await api.app.inject({ url: `/api/v1/files/${admin.tenant.id}/videos/x/video.mp4?expires=1&signature=x` }))
        .statusCode,
    ).toBe(404);
  });
});
