export * from './update-log.ts';
export * from './group-commit.ts';
export * from './compaction.ts';
export * from './durable-ack.ts';
export * from './document-persistence.ts';
export * from './persistence-metrics.ts';
export * from './origins.ts';
