import { Worker } from 'node:worker_threads';
import type { ClientSpec, WorkerCommand, WorkerReply, WorkerReport } from './worker-protocol.ts';

/**
 * The load-generator threads of one scenario run. Each command goes to every thread and resolves with their
 * replies; a thread answers its commands in order, so a FIFO of waiters per thread is enough.
 */
export class LoadGenerators {
  private readonly waiters: Array<Array<(reply: WorkerReply) => void>>;

  private constructor(private readonly workers: Worker[]) {
    this.waiters = workers.map(() => []);
    // No 'error' listener: a crashed load generator must stop the benchmark, not skew it.
    workers.forEach((worker, index) => {
      worker.on('message', (reply: WorkerReply) => this.waiters[index]?.shift()?.(reply));
    });
  }

  /** `maxEdits` bounds every writer's edits; the shared send-time table holds `writers × maxEdits` slots. */
  static start(threads: number, writers: number, maxEdits: number): LoadGenerators {
    const sendTimesBuffer = new SharedArrayBuffer(Math.max(1, writers * maxEdits) * 8);
    // Worker threads do not inherit the TypeScript loader of the main thread: each registers tsx first.
    const entry = new URL('./load-worker.ts', import.meta.url).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
    const workers = Array.from(
      { length: threads },
      () => new Worker(bootstrap, { eval: true, workerData: { sendTimesBuffer, maxEdits, writerCount: writers } }),
    );
    return new LoadGenerators(workers);
  }

  get threads(): number {
    return this.workers.length;
  }

  private send(index: number, command: WorkerCommand): Promise<WorkerReply> {
    return new Promise((resolve) => {
      this.waiters[index]?.push(resolve);
      this.workers[index]?.postMessage(command);
    });
  }

  private broadcast(command: WorkerCommand): Promise<WorkerReply[]> {
    return Promise.all(this.workers.map((_, index) => this.send(index, command)));
  }

  /** Joins `clients[thread]` on each thread, `concurrency` handshakes in flight per thread. */
  async join(clients: ClientSpec[][], concurrency: number): Promise<{ joined: number; errors: number }> {
    const replies = await Promise.all(
      this.workers.map((_, index) => this.send(index, { type: 'join', clients: clients[index] ?? [], concurrency })),
    );
    let joined = 0;
    let errors = 0;
    for (const reply of replies) {
      if (reply.type !== 'joined') continue;
      joined += reply.joined;
      errors += reply.errors;
    }
    return { joined, errors };
  }

  async type(): Promise<void> {
    await this.broadcast({ type: 'type' });
  }

  async progress(): Promise<{ delivered: number; sent: number }> {
    const replies = await this.broadcast({ type: 'progress' });
    return replies.reduce(
      (sum, reply) =>
        reply.type === 'progress' ? { delivered: sum.delivered + reply.delivered, sent: sum.sent + reply.sent } : sum,
      { delivered: 0, sent: 0 },
    );
  }

  async report(): Promise<WorkerReport[]> {
    const replies = await this.broadcast({ type: 'report' });
    return replies.filter((reply): reply is WorkerReport => reply.type === 'report');
  }

  async close(): Promise<void> {
    await this.broadcast({ type: 'close' });
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
