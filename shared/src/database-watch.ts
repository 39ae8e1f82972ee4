import { sql } from 'kysely';
import type { DatabaseHandle } from './database/open-database.ts';
import type { Logger } from './logging.ts';
import type { Readiness } from './readiness.ts';

/**
 * Keeps the `database` and `migrations` readiness conditions current: migrations are retried until they
 * apply (the server may start before its database), then a cheap ping every few seconds.
 */
export function watchDatabase(deps: {
  database: DatabaseHandle;
  readiness: Readiness;
  logger: Logger;
  migrate: () => Promise<void>;
  intervalMs?: number;
}): () => void {
  const { readiness, logger } = deps;
  let migrated = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const tick = async (): Promise<void> => {
    try {
      await sql`SELECT 1`.execute(deps.database.db);
      readiness.set('database', true);
      if (!migrated) {
        await deps.migrate();
        migrated = true;
        readiness.set('migrations', true);
      }
    } catch (error) {
      readiness.set('database', `unreachable: ${error instanceof Error ? error.message : String(error)}`);
      logger.warn({ err: error }, 'database check failed');
    }
    if (!stopped) timer = setTimeout(() => void tick(), deps.intervalMs ?? 2_000);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
