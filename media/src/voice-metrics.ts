import { Counter, Gauge, type Registry } from '@pocdojo/shared';
import type { VoiceRoom } from './voice-room.ts';
import type { MediaWorker } from './worker-pool.ts';

/** What the metrics read from the running service, at scrape time. */
export interface VoiceSnapshot {
  available(): boolean;
  workers(): readonly MediaWorker[];
  rooms(): Iterable<VoiceRoom>;
}

export interface WorkerUsage {
  worker: MediaWorker;
  cpuSeconds: number;
  maxRssBytes: number;
}

/** CPU time (user + system) and peak memory of each worker process, from the worker itself. */
export async function workerUsage(workers: readonly MediaWorker[]): Promise<WorkerUsage[]> {
  return Promise.all(
    workers.map(async (worker) => {
      const usage = await worker.worker.getResourceUsage();
      // getrusage reports milliseconds of CPU and kilobytes of resident memory on Linux.
      return { worker, cpuSeconds: (usage.ru_utime + usage.ru_stime) / 1000, maxRssBytes: usage.ru_maxrss * 1024 };
    }),
  );
}

/** What the service counts as it happens; the gauges are read from the snapshot when scraped. */
export interface VoiceMetrics {
  workerDied(): void;
  /** A join was sent to the media process that hosts its room. */
  redirected(): void;
}

/** Registers the voice service's metrics on the process registry. */
export function registerVoiceMetrics(registry: Registry, snapshot: VoiceSnapshot): VoiceMetrics {
  const rooms = () => [...snapshot.rooms()];
  const peers = () => rooms().flatMap((room) => [...room.peers.values()]);

  new Gauge({
    name: 'media_available',
    help: 'Whether voice can run here (1) or not, e.g. no mediasoup worker binary (0)',
    registers: [registry],
    collect() {
      this.set(snapshot.available() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'media_workers',
    help: 'Running mediasoup workers',
    registers: [registry],
    collect() {
      this.set(snapshot.workers().length);
    },
  });
  new Gauge({
    name: 'media_rooms',
    help: 'Open voice rooms (one per dojo in voice)',
    registers: [registry],
    collect() {
      this.set(rooms().length);
    },
  });
  new Gauge({
    name: 'media_peers',
    help: 'Participants in voice rooms',
    registers: [registry],
    collect() {
      this.set(peers().length);
    },
  });
  new Gauge({
    name: 'media_producers',
    help: 'Microphones sending into the SFU',
    registers: [registry],
    collect() {
      this.set(peers().filter((peer) => peer.producer).length);
    },
  });
  new Gauge({
    name: 'media_consumers',
    help: 'Streams the SFU sends to participants',
    registers: [registry],
    collect() {
      this.set(peers().reduce((sum, peer) => sum + peer.consumers.size, 0));
    },
  });
  new Gauge({
    name: 'media_worker_consumers',
    help: 'Consumers per mediasoup worker, pipe consumers between workers included',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      this.reset();
      for (const worker of snapshot.workers()) this.set({ worker: String(worker.index) }, worker.consumers);
    },
  });
  const bitrate = new Gauge({
    name: 'media_bitrate_bits_per_second',
    help: 'RTP bitrate over all WebRTC transports: in = from participants, out = to participants',
    labelNames: ['direction'],
    registers: [registry],
    async collect() {
      const totals = await Promise.all(rooms().map((room) => room.bitrates()));
      bitrate.set(
        { direction: 'in' },
        totals.reduce((sum, t) => sum + t.inbound, 0),
      );
      bitrate.set(
        { direction: 'out' },
        totals.reduce((sum, t) => sum + t.outbound, 0),
      );
    },
  });
  const cpu = new Gauge({
    name: 'media_worker_cpu_seconds',
    help: 'CPU time (user + system) each mediasoup worker process has used since it started',
    labelNames: ['worker'],
    registers: [registry],
    async collect() {
      cpu.reset();
      for (const usage of await workerUsage(snapshot.workers()).catch(() => [])) {
        cpu.set({ worker: String(usage.worker.index) }, usage.cpuSeconds);
      }
    },
  });
  const memory = new Gauge({
    name: 'media_worker_max_rss_bytes',
    help: 'Peak resident memory of each mediasoup worker process',
    labelNames: ['worker'],
    registers: [registry],
    async collect() {
      memory.reset();
      for (const usage of await workerUsage(snapshot.workers()).catch(() => [])) {
        memory.set({ worker: String(usage.worker.index) }, usage.maxRssBytes);
      }
    },
  });
  // The pool replaces a dead worker within a second, so `media_workers` barely dips: deaths are counted.
  const deaths = new Counter({
    name: 'media_worker_deaths_total',
    help: 'mediasoup worker processes that died (each closes its rooms; the pool starts a replacement)',
    registers: [registry],
  });
  const redirects = new Counter({
    name: 'media_room_redirects_total',
    help: 'Joins sent to the media process that hosts their room (several media processes, placed through Redis)',
    registers: [registry],
  });
  return { workerDied: () => deaths.inc(), redirected: () => redirects.inc() };
}
