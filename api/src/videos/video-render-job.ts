import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  inSpan,
  isDomainError,
  tenantIdSchema,
  type DatabaseHandle,
  type JobHandler,
  type Logger,
} from '@pocdojo/shared';
import { z } from 'zod';
import type { ObjectStore } from '../storage/object-store.ts';
import { withTenant, type TenantTransaction } from '../tenancy/tenant-transaction.ts';
import { renderOptionsSchema } from './render/video-input.ts';
import type { VideoServiceConfig } from './video-config.ts';
import type { VideoMetrics } from './video-metrics.ts';
import { loadVideoInput } from './video-source.ts';
import { findVideo, updateVideo, videoObjectPaths, type VideoUpdate } from './videos.ts';

/**
 * The worker side of a video: load the person's year, render, upload video and share card, record the
 * result. Progress goes to the `videos` row as it renders. A failure that another attempt cannot fix
 * (the POCs are gone) fails at once; anything else is retried by the queue, and only the last attempt
 * marks the video failed. Temp files live in DATA_DIR/tmp and are removed whatever happens.
 */
export const videoJobName = 'video-render';
export const videoJobSchema = z.object({ videoId: z.string().min(1), tenantId: tenantIdSchema });
export type VideoJob = z.infer<typeof videoJobSchema>;

export interface VideoWorkerDeps {
  database: DatabaseHandle;
  store: ObjectStore;
  config: VideoServiceConfig;
  logger: Logger;
  metrics?: VideoMetrics;
}

export function videoRenderJob(deps: VideoWorkerDeps): JobHandler<VideoJob> {
  const { config } = deps;
  const options = renderOptionsSchema.parse({
    voice: config.VIDEO_VOICE,
    timing: {
      openingSec: config.VIDEO_OPENING_SECONDS,
      pocSec: config.VIDEO_POC_SECONDS,
      statisticsSec: config.VIDEO_STATISTICS_SECONDS,
      closingSec: config.VIDEO_CLOSING_SECONDS,
    },
  });

  return async ({ id: jobId, data, attempt, lastAttempt, signal }) => {
    const log = deps.logger.child({ videoId: data.videoId, jobId, attempt });
    const inTenant = <T>(work: (trx: TenantTransaction) => Promise<T>) =>
      withTenant(deps.database.db, data.tenantId, work);
    const update = (change: VideoUpdate) => inTenant((trx) => updateVideo(trx, data.videoId, change));

    const video = await inTenant((trx) => findVideo(trx, data.videoId));
    if (!video || video.superseded_at || video.status === 'done') return;
    await update({ status: 'rendering', progress: 0, error: null, job_id: jobId });

    const paths = videoObjectPaths(video.id);
    const location = (path: string) => ({ tenantId: video.tenant_id, path });
    const tmp = join(config.DATA_DIR, 'tmp');
    await mkdir(tmp, { recursive: true });
    // One attempt per video runs at a time, so leftovers named for this video are from an attempt
    // whose process was killed before it could clean up.
    for (const stale of (await readdir(tmp)).filter((name) => name.startsWith(`${video.id}-`))) {
      await rm(join(tmp, stale), { recursive: true, force: true });
    }
    const workDir = await mkdtemp(join(tmp, `${video.id}-`));
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      // Loaded at the first video: the canvas (Skia) and its fonts take memory a server may never need.
      const [{ renderVideo }, { renderShareCard }] = await Promise.all([
        import('./render/render-video.ts'),
        import('./render/share-card.ts'),
      ]);
      const input = await inTenant((trx) => loadVideoInput(trx, video.tenant_id, video.user_id, video.year));
      let writing: Promise<void> | undefined;
      const onProgress = (fraction: number) => {
        // One progress write at a time; a step that arrives meanwhile is skipped, the next one catches up.
        if (writing || fraction >= 1) return;
        writing = update({ progress: fraction })
          .catch((error: unknown) => log.warn({ err: error }, 'could not record progress'))
          .finally(() => (writing = undefined));
      };
      const file = join(workDir, 'video.mp4');
      const result = await inSpan(
        'video render',
        { attributes: { 'video.id': video.id, 'video.pocs': input.pocs.length } },
        () => renderVideo(input, { ...options, narration: video.narration }, file, { onProgress, signal }),
      );
      await writing;
      await inSpan('video upload', { attributes: { 'storage.kind': deps.store.kind } }, async () => {
        await deps.store.putBuffer(location(paths.card), renderShareCard(input), 'image/png');
        await deps.store.putFile(location(paths.video), file, 'video/mp4');
      });
      await update({
        status: 'done',
        progress: 1,
        duration_sec: result.durationSec,
        video_path: paths.video,
        card_path: paths.card,
        finished_at: new Date(),
      });
      deps.metrics?.rendered('done', seconds());
      log.info({ durationSec: result.durationSec, renderSec: seconds() }, 'video rendered');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await deps.store.delete(location(paths.card)).catch(() => undefined);
      if (signal.aborted) {
        deps.metrics?.rendered('aborted', seconds());
        await update({ status: 'queued', progress: 0, error: null });
        throw error;
      }
      const permanent = isDomainError(error);
      log.warn({ err: error, permanent, lastAttempt }, 'video render failed');
      deps.metrics?.rendered(permanent || lastAttempt ? 'failed' : 'retrying', seconds());
      if (permanent || lastAttempt) {
        await update({ status: 'failed', error: reason, finished_at: new Date() });
        if (permanent) return;
      } else {
        await update({ status: 'queued', progress: 0, error: `attempt ${attempt} failed (${reason}); retrying` });
      }
      throw error;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  };
}
