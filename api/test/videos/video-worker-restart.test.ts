import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, readConfig, withTenant } from '@pocdojo/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoServiceConfigSchema } from '../../src/videos/video-config.ts';
import { videoJobName } from '../../src/videos/video-render-job.ts';
import { startVideoServices, type VideoServices } from '../../src/videos/video-services.ts';
import { call, signUp, type SignedUp, type TestApi } from '../api-harness.ts';
import { eventually, seedPocs, startVideoTestApi, yearOfPocs } from './video-api-harness.ts';

interface Video {
  status: string;
  progress: number;
  durationSec?: number;
  error?: string;
}

const workerMain = fileURLToPath(new URL('../../src/jobs/worker-main.ts', import.meta.url));

describe('a worker process killed in the middle of a render', () => {
  let api: TestApi;
  let admin: SignedUp;
  let worker: ChildProcess | undefined;
  let rescuer: VideoServices | undefined;

  beforeAll(async () => {
    // The API only queues (VIDEO_WORKER=off); rendering happens in `npm run worker` processes, both on the
    // services' restricted database login. Scenes are long enough that the render is still running when
    // the test kills the worker.
    api = await startVideoTestApi({ servicesLogin: true, env: { VIDEO_WORKER: 'off', VIDEO_POC_SECONDS: '2.5' } });
    admin = await signUp(api.app, 'Restart Co');
    await seedPocs(api.database, admin.tenant.id, admin.user.id, yearOfPocs(12, 2026));
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await rescuer?.close();
    await api.close();
  });

  it('is retried by another worker, which finishes the video and cleans up after the dead one', async () => {
    const queued = await call<{ id: string }>(api.app, 'POST', '/api/v1/videos', {
      token: admin.accessToken,
      body: { year: 2026 },
    });
    expect(queued.status).toBe(202);
    const status = async () =>
      (await call<Video>(api.app, 'GET', `/api/v1/videos/${queued.body.id}`, { token: admin.accessToken })).body;

    worker = spawn(process.execPath, ['--import', 'tsx', workerMain], {
      env: { PATH: process.env.PATH ?? '', ...api.env, VIDEO_WORKER: 'inline', PORT: '0' },
      stdio: 'ignore',
    });
    const midway = await eventually(async () => {
      const video = await status();
      return video.status === 'rendering' && video.progress >= 0.3 ? video : undefined;
    }, 'the worker process to be a third into the render');
    expect(midway.progress).toBeLessThan(1);
    worker.kill('SIGKILL');
    await once(worker, 'exit');
    expect(await readdir(join(api.dataDir, 'tmp'))).toHaveLength(1);

    const config = readConfig(videoServiceConfigSchema, { ...api.env, VIDEO_WORKER: 'inline' });
    rescuer = await startVideoServices(config, api.database, createLogger({ level: 'silent', name: 'rescuer' }), {
      startWorker: true,
    });
    const done = await eventually(async () => {
      const video = await status();
      return video.status === 'done' ? video : undefined;
    }, 'the retried render');
    expect(done.progress).toBe(1);
    expect(done.error).toBeUndefined();
    expect(done.durationSec).toBeCloseTo(0.5 + 12 * 2.5 + 0.5 + 0.5, 5);

    const row = await withTenant(api.database.db, admin.tenant.id, (trx) =>
      trx.selectFrom('videos').select('job_id').where('id', '=', queued.body.id).executeTakeFirstOrThrow(),
    );
    const job = await rescuer.queue.state(videoJobName, row.job_id ?? '');
    expect(job).toMatchObject({ state: 'completed', retryCount: 1 });
    expect(await readdir(join(api.dataDir, 'tmp'))).toEqual([]);
  });
});
