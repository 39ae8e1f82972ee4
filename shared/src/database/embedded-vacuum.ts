import type pg from 'pg';
import type { Logger } from '../logging.ts';

/**
 * The tables autovacuum would vacuum and analyze now, by its default thresholds (50 rows plus a fifth of
 * the table dead, or 50 plus a tenth changed since the last analyze), qualified and quoted.
 */
const dueTables = `
  SELECT format('%I.%I', schemaname, relname) AS name
    FROM pg_stat_user_tables
   WHERE n_dead_tup > 50 + 0.2 * n_live_tup OR n_mod_since_analyze > 50 + 0.1 * n_live_tup`;

/**
 * Autovacuum for the embedded database. PGlite runs Postgres in single-user mode, which has no autovacuum
 * worker: the tables that churn (the update log, whose compaction deletes what it folds; each document's
 * row, rewritten at every commit; the job queue's) kept every dead row, so the database grew for as long
 * as people typed, and its planner statistics were never gathered. Measured on the update log alone
 * (24,000 appends with a compaction every 500): its table grew to 3 MiB, nearly all of it dead rows;
 * with this class looking every 2 s it stayed under 0.9 MiB, each vacuum taking 4–16 ms.
 *
 * Every interval it asks which tables autovacuum's thresholds make due and runs `VACUUM (ANALYZE)` on
 * those, as autovacuum does on a server; an idle database costs one statistics query. A vacuum has
 * PGlite's one session while it runs: queries queue behind it for those milliseconds.
 */
export class EmbeddedVacuum {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;

  constructor(
    private readonly pool: Pick<pg.Pool, 'query'>,
    private readonly logger: Logger,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => void this.run(), intervalMs);
    this.timer.unref();
  }

  /** Vacuums the tables that are due, unless a vacuum is running (then resolves when it ends); never rejects. */
  run(): Promise<void> {
    this.running ??= this.vacuumDueTables()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'embedded database vacuum failed; will try again'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** No more vacuums; resolves once a running one has ended. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async vacuumDueTables(): Promise<void> {
    const { rows } = await this.pool.query<{ name: string }>(dueTables);
    if (rows.length === 0) return;
    const started = performance.now();
    const tables = rows.map((row) => row.name);
    await this.pool.query(`VACUUM (ANALYZE) ${tables.join(', ')}`);
    this.logger.debug({ tables, ms: Math.round(performance.now() - started) }, 'embedded database vacuumed');
  }
}
