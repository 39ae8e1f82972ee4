import { sql, type Kysely } from 'kysely';
import { languageIds, languageNames, languageSchema, type Language, type LanguageId } from '../contract/runs.ts';
import type { Database } from '../database/schema.ts';

/**
 * Which languages can run, across the live runners: each runner process publishes what it can run
 * (`runner_heartbeats`) every few seconds; a row older than `staleSeconds` is a runner that is gone. A
 * language is available when any live runner can run it; otherwise the first live runner's reason says
 * why, or "no runner is running" when none is live.
 */
export const noRunnerReason = 'no runner is running';

export async function publishLanguages(db: Kysely<Database>, runnerId: string, languages: Language[]): Promise<void> {
  await db
    .insertInto('runner_heartbeats')
    .values({ runner_id: runnerId, languages: JSON.stringify(languages) })
    .onConflict((c) => c.column('runner_id').doUpdateSet({ languages: JSON.stringify(languages), beat_at: sql`now()` }))
    .execute();
}

export async function withdrawRunner(db: Kysely<Database>, runnerId: string): Promise<void> {
  await db.deleteFrom('runner_heartbeats').where('runner_id', '=', runnerId).execute();
}

export async function liveLanguages(
  db: Kysely<Database>,
  staleSeconds: number,
  /** The test framework of each language, for when no runner is live to name it. */
  testFrameworks: Partial<Record<LanguageId, string>> = {},
): Promise<Language[]> {
  const rows = await db
    .selectFrom('runner_heartbeats')
    .select('languages')
    .where('beat_at', '>', sql<Date>`now() - make_interval(secs => ${staleSeconds})`)
    .orderBy('runner_id')
    .execute();
  const offered = rows.flatMap((row) => languageSchema.array().catch([]).parse(row.languages));
  return languageIds.map((id) => {
    const mine = offered.filter((language) => language.id === id);
    const available = mine.find((language) => language.available);
    if (available) return available;
    return {
      id,
      name: languageNames[id],
      testFramework: mine[0]?.testFramework ?? testFrameworks[id] ?? '',
      available: false,
      reason: mine[0]?.reason ?? (rows.length === 0 ? noRunnerReason : 'no runner offers it'),
      ...(mine.some((language) => language.preparing) ? { preparing: true } : {}),
    };
  });
}
