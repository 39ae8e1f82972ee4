import { setTimeout as sleep } from 'node:timers/promises';
import { JobQueue, type DatabaseHandle, type Logger } from '@pocdojo/shared';
import { openObjectStore, type ConfiguredObjectStore } from '../storage/storage-config.ts';
import type { VideoServiceConfig } from './video-config.ts';
import type { VideoMetrics } from './video-metrics.ts';
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
  options: { startWorker: boolean; store?: ConfiguredObjectStore; metrics?: VideoMetrics },
): Promise<VideoServices> {
  const log = logger.child({ component: 'videos' });
  const store = options.store ?? (await openObjectStore(config));
  const queue = await JobQueue.start({
    database,
    logger: log,
    heartbeatSeconds: config.VIDEO_HEARTBEAT_SECONDS,
    stallSeconds: config.VIDEO_STALL_SECONDS,
    pollingIntervalSeconds: config.VIDEO_POLL_SECONDS,
  });
  try {
    await queue.define(videoJobName, {
      retryLimit: config.VIDEO_RETRY_LIMIT,
      retryDelaySeconds: config.VIDEO_RETRY_DELAY_SECONDS,
      expireInSeconds: config.VIDEO_JOB_TIMEOUT_SECONDS,
    });
    if (options.startWorker) {
      await queue.work(
        videoJobName,
        videoJobSchema,
        videoRenderJob({ database, store, config, logger: log, metrics: options.metrics }),
      );
      log.info({ storage: store.kind }, 'video render worker started');
    }
  } catch (error) {
    // A queue that could not be set up completely is not left running behind the caller's back.
    await queue.stop();
    throw error;
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

/**
 * The same services for the API inside a long-running process, whose database may not be reachable yet
 * at start (the process must still come up and report not-ready) and which may start beside other nodes
 * setting up the same queue (pg-boss's set-up can then deadlock and must be retried). The object store
 * opens at once; the queue starts in the background, retried with backoff until it does. Until then its
 * `send` fails, which the request path answers with 503.
 */
export async function superviseVideoServices(
  config: VideoServiceConfig,
  database: DatabaseHandle,
  logger: Logger,
  options: { startWorker: boolean; metrics?: VideoMetrics },
): Promise<{ store: ConfiguredObjectStore; queue: Pick<JobQueue, 'send'>; close(): Promise<void> }> {
  const log = logger.child({ component: 'videos' });
  const store = await openObjectStore(config);
  let started: Omit<VideoServices, 'store'> | undefined;
  let closed = false;
  // Wakes the retry loop when the app closes, so closing never waits out a backoff delay.
  const closing = new AbortController();
  const attempt = async (): Promise<boolean> => {
    try {
      const services = await startVideoServices(config, database, logger, { ...options, store });
      if (closed) await services.queue.stop();
      else started = services;
      return true;
    } catch (error) {
      log.warn({ err: error }, 'video job queue not started yet; retrying in the background');
      return false;
    }
  };
  // The usual case starts it right here, so the API is complete when this returns.
  const starting = (await attempt())
    ? Promise.resolve()
    : (async () => {
        for (let delayMs = 500; !closed; delayMs = Math.min(delayMs * 2, 15_000)) {
          await sleep(delayMs, undefined, { signal: closing.signal }).catch(() => undefined);
          if (!closed && (await attempt())) return;
        }
      })();
  return {
    store,
    queue: {
      send(name, data) {
        if (!started) return Promise.reject(new Error('the video job queue is still starting'));
        return started.queue.send(name, data);
      },
    },
    async close() {
      closed = true;
      closing.abort();
      await starting;
      await started?.queue.stop();
      await store.close();
    },
  };
}
