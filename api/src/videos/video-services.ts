import type { DatabaseHandle, Logger } from '@pocdojo/shared';
import { JobQueue } from '../jobs/job-queue.ts';
import { openObjectStore, type ConfiguredObjectStore } from '../storage/storage-config.ts';
import type { VideoServiceConfig } from './video-config.ts';
import { videoJobName, videoJobSchema, videoRenderJob } from './video-render-job.ts';

/**
 * What both the API and a worker process need: the object store and the job queue with the video queue
 * defined. `startWorker` makes this process render queued videos too.
 */
export interface VideoServices {
  store: ConfiguredObjectStore;
  queue: JobQueue;
  close(): Promise<void>;
}

export async function startVideoServices(
  config: VideoServiceConfig,
  database: DatabaseHandle,
  logger: Logger,
  options: { startWorker: boolean },
): Promise<VideoServices> {
  const log = logger.child({ component: 'videos' });
  const store = await openObjectStore(config);
  const queue = await JobQueue.start({
    database,
    logger: log,
    heartbeatSeconds: config.VIDEO_HEARTBEAT_SECONDS,
    stallSeconds: config.VIDEO_STALL_SECONDS,
    pollingIntervalSeconds: config.VIDEO_POLL_SECONDS,
  });
  await queue.define(videoJobName, {
    retryLimit: config.VIDEO_RETRY_LIMIT,
    retryDelaySeconds: config.VIDEO_RETRY_DELAY_SECONDS,
    expireInSeconds: config.VIDEO_JOB_TIMEOUT_SECONDS,
  });
  if (options.startWorker) {
    await queue.work(videoJobName, videoJobSchema, videoRenderJob({ database, store, config, logger: log }));
    log.info({ storage: store.kind }, 'video render worker started');
  }
  return {
    store,
    queue,
    async close() {
      await queue.stop();
      await store.close();
    },
  };
}
