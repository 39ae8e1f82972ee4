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
  }),
});

export type PocReport = z.infer<typeof pocReportSchema>;
