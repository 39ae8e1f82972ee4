import { Counter, Histogram, type Registry } from '@pocdojo/shared';

/** Render outcomes and durations on the process's Prometheus registry. */
export interface VideoMetrics {
  rendered(outcome: 'done' | 'failed' | 'retrying' | 'aborted', seconds: number): void;
}

export function createVideoMetrics(registry: Registry): VideoMetrics {
  const renders = new Counter({
    name: 'video_renders_total',
    help: 'Yearly video render attempts by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'video_render_duration_seconds',
    help: 'Wall time of one yearly video render attempt, by outcome',
    labelNames: ['outcome'],
    buckets: [5, 15, 30, 60, 120, 300, 600, 1200],
    registers: [registry],
  });
  return {
    rendered(outcome, seconds) {
      renders.inc({ outcome });
      duration.observe({ outcome }, seconds);
    },
  };
}
