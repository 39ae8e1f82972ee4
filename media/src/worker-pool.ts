import type { Logger } from '@pocdojo/shared';
import type { types } from 'mediasoup';

type MediasoupModule = typeof import('mediasoup');

/**
 * mediasoup 3.8 reads MEDIASOUP_WORKER_BIN once, when its Worker module first loads, so the variable is
 * set from configuration before the first (and only) import. Nothing else in media/ imports mediasoup's
 * runtime: the rest uses its types only.
 */
async function loadMediasoup(workerBinary: string): Promise<MediasoupModule> {
  process.env.MEDIASOUP_WORKER_BIN = workerBinary;
  return import('mediasoup');
}

/** One mediasoup worker process and the load we place on it. */
export class MediaWorker {
  /** Consumers of every router on this worker (pipe consumers included): mediasoup's unit of worker load. */
  consumers = 0;
  producers = 0;
  transports = 0;
  routers = 0;

  constructor(
    readonly index: number,
    readonly worker: types.Worker,
  ) {
    // The observer API sees every router, transport, producer and consumer the worker hosts.
    worker.observer.on('newrouter', (router: types.Router) => {
      this.routers += 1;
      router.observer.once('close', () => (this.routers -= 1));
      router.observer.on('newtransport', (transport: types.Transport) => {
        this.transports += 1;
        transport.observer.once('close', () => (this.transports -= 1));
        transport.observer.on('newproducer', (producer: types.Producer) => {
          this.producers += 1;
          producer.observer.once('close', () => (this.producers -= 1));
        });
        transport.observer.on('newconsumer', (consumer: types.Consumer) => {
          this.consumers += 1;
          consumer.observer.once('close', () => (this.consumers -= 1));
        });
      });
    });
  }

  get pid(): number {
    return this.worker.pid;
  }
}

export interface WorkerPoolOptions {
  workerBinary: string;
  size: number;
  logLevel: types.WorkerLogLevel;
  rtcMinPort: number;
  rtcMaxPort: number;
  logger: Logger;
}

/**
 * One worker per core (configurable). A worker that dies takes its routers with it: the rooms on it close
 * their peers (clients reconnect) and the pool starts a replacement.
 */
export class WorkerPool {
  readonly workers: MediaWorker[] = [];
  private closed = false;
  private readonly diedListeners = new Set<(worker: MediaWorker) => void>();

  private constructor(
    private readonly mediasoup: MediasoupModule,
    private readonly options: WorkerPoolOptions,
  ) {}

  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const mediasoup = await loadMediasoup(options.workerBinary);
    const pool = new WorkerPool(mediasoup, options);
    try {
      for (let index = 0; index < options.size; index += 1) pool.workers.push(await pool.spawn(index));
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  get version(): string {
    return this.mediasoup.version;
  }

  onWorkerDied(listener: (worker: MediaWorker) => void): void {
    this.diedListeners.add(listener);
  }

  /** The worker carrying the fewest consumers, preferring those not in `avoid` (the room's own). */
  leastLoaded(avoid: ReadonlySet<MediaWorker> = new Set()): MediaWorker {
    const byLoad = [...this.workers].sort((a, b) => a.consumers - b.consumers || a.routers - b.routers);
    const pick = byLoad.find((worker) => !avoid.has(worker)) ?? byLoad[0];
    if (!pick) throw new Error('worker pool is empty');
    return pick;
  }

  close(): void {
    this.closed = true;
    for (const worker of this.workers) worker.worker.close();
    this.workers.length = 0;
  }

  private async spawn(index: number): Promise<MediaWorker> {
    const worker = await this.mediasoup.createWorker({
      logLevel: this.options.logLevel,
      rtcMinPort: this.options.rtcMinPort,
      rtcMaxPort: this.options.rtcMaxPort,
      appData: { index },
    });
    const media = new MediaWorker(index, worker);
    worker.on('died', (error: Error) => {
      this.options.logger.error({ err: error, pid: worker.pid, index }, 'mediasoup worker died');
      const position = this.workers.indexOf(media);
      if (position >= 0) this.workers.splice(position, 1);
      for (const listener of this.diedListeners) listener(media);
      if (!this.closed) this.replace(index);
    });
    return media;
  }

  private replace(index: number): void {
    this.spawn(index).then(
      (worker) => {
        if (this.closed) worker.worker.close();
        else this.workers.push(worker);
      },
      (error: unknown) => this.options.logger.error({ err: error, index }, 'could not replace a dead mediasoup worker'),
    );
  }
}
