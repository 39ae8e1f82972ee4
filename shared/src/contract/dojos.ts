import { z } from 'zod';

/**
 * What the REST API answers about joining a dojo and about its turn history. The API serializes and
 * documents its responses with these schemas; the SDK validates what it receives with the same ones.
 */
export const dojoRoles = ['facilitator', 'participant', 'observer'] as const;
export type DojoRole = (typeof dojoRoles)[number];

/** How a dojo runs its turns: randori (the pair rotates), kata (one solves), mob (the driver rotates). */
export const dojoFormats = ['randori', 'kata', 'mob'] as const;

/** Collaboration document names for the WebSocket tier (`<tenant>/dojo/<id>/<part>`). */
export const dojoDocumentsSchema = z.object({ code: z.string(), chat: z.string(), control: z.string() });

export const joinResultSchema = z.object({
  /** Collaboration token for the WebSocket tier, scoped to this dojo. */
  token: z.string(),
  /** WebSocket path on the same host. */
  url: z.string(),
  documents: dojoDocumentsSchema,
  role: z.enum(dojoRoles),
  /**
   * True when joined with `as: observer`: read-only whatever role the dojo lists for the caller (a
   * facilitator's grant included). Otherwise a grant in the control document overrides `role`.
   */
  observing: z.boolean(),
  expiresIn: z.number().int(),
});
export type DojoJoin = z.infer<typeof joinResultSchema>;

/** A stored snapshot of `code` at the end of a turn (rotation, handover or the dojo's end). */
export const turnSnapshotSchema = z.object({
  turn: z.number().int(),
  driverId: z.string().nullable(),
  navigatorId: z.string().nullable(),
  reason: z.enum(['rotation', 'handover', 'end']),
  startedAt: z.string().nullable(),
  endedAt: z.string(),
});
export type TurnSnapshot = z.infer<typeof turnSnapshotSchema>;

export const turnListSchema = z.object({ items: z.array(turnSnapshotSchema) });

/** A turn's snapshot with the text of every file of `code` at its end. */
export const turnFilesSchema = turnSnapshotSchema.extend({
  files: z.record(z.string(), z.object({ text: z.string(), language: z.string().nullable() })),
});
export type TurnFiles = z.infer<typeof turnFilesSchema>;
