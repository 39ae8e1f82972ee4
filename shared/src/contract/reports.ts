import { z } from 'zod';

/**
 * The POC report the REST API answers (JSON; CSV and PDF carry the same figures). The API serializes and
 * documents it with this schema; the SDK validates what it receives with the same one.
 */
const count = z.number().int().nonnegative();

export const pocReportSchema = z.object({
  tenant: z.object({ id: z.string(), name: z.string() }),
  scope: z.object({
    year: z.number().int(),
    /** The person the report is about; null for the whole tenant (admins only). */
    userId: z.string().nullable(),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
  }),
  totals: z.object({ pocs: count, contributors: count }),
  /** Twelve entries, January first; month is `YYYY-MM`. */
  perMonth: z.array(z.object({ month: z.string(), pocs: count })),
  perLanguage: z.array(z.object({ language: z.string(), pocs: count })),
  /** The 50 most used tags. */
  perTag: z.array(z.object({ tag: z.string(), pocs: count })),
  perStatus: z.array(z.object({ status: z.string(), pocs: count })),
  /** The 10 people with the most POCs in the period. */
  topContributors: z.array(z.object({ userId: z.string(), displayName: z.string(), pocs: count })),
  dojos: z.object({
    /** Dojos opened in the period (on the tenant, or that the person created or joined). */
    sessions: count,
    /** Distinct people who joined those dojos (removed members excluded). */
    participants: count,
    /** Dojos opened on one of the period's POCs. */
    onPocs: count,
    /** Turns played in those dojos (one snapshot per turn, written by the dojo rules). */
    turns: count,
    /** Minutes of those turns, rounded. */
    minutes: count,
    /** Chat messages of those dojos that have ended (the count is recorded in the session summary). */
    chatMessages: count,
    /** Test runs of those dojos that gave a light (replaced and failed runs never ran tests). */
    runs: count,
    greenRuns: count,
    /** greenRuns / runs, to three decimals; null without runs. */
    greenShare: z.number().min(0).max(1).nullable(),
    /** Dojos whose tests went green at least once. */
    greenSessions: count,
    /**
     * Per session, the seconds from its first test run being asked for to its first green light; the
     * median over the sessions that went green (null when none did).
     */
    medianSecondsToFirstGreen: count.nullable(),
  }),
});

export type PocReport = z.infer<typeof pocReportSchema>;

/** "12 (60%)": greenRuns and greenShare as one figure, the same in the PDF and the web app. */
export function greenRunsText(dojos: Pick<PocReport['dojos'], 'greenRuns' | 'greenShare'>): string {
  return dojos.greenShare === null
    ? String(dojos.greenRuns)
    : `${dojos.greenRuns} (${Math.round(dojos.greenShare * 100)}%)`;
}

/** "3 min 05 s", "40 s"; "—" when no session went green. */
export function timeToGreenText(seconds: number | null): string {
  if (seconds === null) return '—';
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return minutes === 0 ? `${rest} s` : `${minutes} min ${String(rest).padStart(2, '0')} s`;
}
