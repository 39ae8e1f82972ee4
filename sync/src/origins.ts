import { isTransactionOrigin, type Connection } from '@hocuspocus/server';

/**
 * Transaction origins for changes this node did not receive from one of its own clients. Hocuspocus's
 * Redis extension marks its updates `{ source: 'redis' }`; the repair loop and the log replay use a
 * local origin flagged `replay`. Such updates are already in the log and must not be appended again.
 */
export const replayOrigin = { source: 'local' as const, skipStoreHooks: true, context: { replay: true } };

export function isReplayOrigin(origin: unknown): boolean {
  if (typeof origin !== 'object' || origin === null || !('source' in origin)) return false;
  if (origin.source === 'redis') return true;
  return origin === replayOrigin;
}

/** The client connection an update came from, when it came from one. */
export function connectionOf(origin: unknown): Connection | undefined {
  if (!isTransactionOrigin(origin) || origin.source !== 'connection') return undefined;
  return origin.connection;
}
