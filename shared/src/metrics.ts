import { collectDefaultMetrics, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * How often the event-loop lag monitor samples, in ms. prom-client's default, 10, wakes the process 100
 * times a second for good: 7.9 ms of CPU a second in an otherwise idle Node process here (`perf stat` showed
 * the collaboration process's main thread in 2,025 epoll waits per 10 s with no client connected), which in
 * a dojo room of 50 edits a second was about 3 µs of every delivered update's CPU. Ten samples a second still
 * catch every stall longer than a tick, which is what the lag panels and alerts look for: 0.9 ms a second.
 */
const eventLoopMonitoringPrecision = 100;

/** One registry per process; every component registers its own metrics on it. */
export function createMetricsRegistry(labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision });
  return registry;
}
