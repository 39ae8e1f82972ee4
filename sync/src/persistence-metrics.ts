import { Counter, Gauge, Histogram, type Registry } from '@pocdojo/shared';

export interface PersistenceMetrics {
  commitSeconds: Histogram;
  committedUpdates: Counter;
  committedBytes: Counter;
  commitFailures: Counter;
  loadSeconds: Histogram;
  loadFailures: Counter;
  compactions: Counter;
  backlogBytes: Gauge;
}

export function registerPersistenceMetrics(registry: Registry): PersistenceMetrics {
  return {
    commitSeconds: new Histogram({
      name: 'pocdojo_persistence_commit_seconds',
      help: 'Time to commit one group of document updates to Postgres',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    committedUpdates: new Counter({
      name: 'pocdojo_persistence_updates_total',
      help: 'Document updates committed to the log',
      registers: [registry],
    }),
    committedBytes: new Counter({
      name: 'pocdojo_persistence_update_bytes_total',
      help: 'Bytes of document updates committed to the log',
      registers: [registry],
    }),
    commitFailures: new Counter({
      name: 'pocdojo_persistence_commit_failures_total',
      help: 'Commits that failed and were retried',
      registers: [registry],
    }),
    loadSeconds: new Histogram({
      name: 'pocdojo_persistence_load_seconds',
      help: 'Time to load a document from snapshot and log',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    loadFailures: new Counter({
      name: 'pocdojo_persistence_load_failures_total',
      help: 'Document loads that failed (the document was not served)',
      registers: [registry],
    }),
    compactions: new Counter({
      name: 'pocdojo_persistence_compactions_total',
      help: 'Compactions by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    backlogBytes: new Gauge({
      name: 'pocdojo_persistence_backlog_bytes',
      help: 'Update bytes waiting for a commit',
      registers: [registry],
    }),
  };
}
