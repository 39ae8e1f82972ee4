import { Counter, Histogram, type Registry } from '@pocdojo/shared';

/** What the run service measures: how runs end, how long they run, how long they wait for a runner. */
export class RunMetrics {
  readonly finished: Counter<'outcome'>;
  readonly duration: Histogram<'language'>;
  readonly queueWait: Histogram;

  constructor(registry: Registry) {
    this.finished = new Counter({
      name: 'pocdojo_runs_total',
      help: 'Test runs finished by this runner, by outcome: the light (green, red, amber) or failed (no result)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'pocdojo_run_duration_seconds',
      help: 'How long a test run took in its sandbox, by language',
      labelNames: ['language'],
      buckets: [0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
      registers: [registry],
    });
    this.queueWait = new Histogram({
      name: 'pocdojo_run_queue_wait_seconds',
      help: 'How long a test run waited from its request until a runner started it',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    });
  }
}
