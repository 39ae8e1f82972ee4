/**
 * The layout of a dojo's three collaboration documents, shared by clients and the server:
 *
 * - `code`:    Y.Map `files` (path → Y.Text) and Y.Map `languages` (path → language id). Participants
 *              write it; the server refuses writes while editing is locked and once the dojo ended.
 * - `chat`:    Y.Array `messages` of {id, authorId, authorName, text, at}. Only the server appends,
 *              in answer to a `chat` command.
 * - `control`: Y.Map `state`, one key per field of `ControlState`. Only the server writes it.
 *
 * Readers validate what they read: a document is data from the network like any other.
 */
import { dojoFormats } from './dojos.ts';
import { controlRunsKept, dojoRunSchema, runPolicies } from './runs.ts';
import type * as Y from 'yjs';
import { z } from 'zod';

// The code document's layout is a contract the API reads too (exports): it lives in shared.
export { codeFiles, codeLanguages, readCodeFiles, type CodeFiles } from './dojo-code.ts';

export const dojoDocumentParts = ['code', 'chat', 'control'] as const;
export type DojoDocumentPart = (typeof dojoDocumentParts)[number];

export const chatMessages = (doc: Y.Doc): Y.Array<unknown> => doc.getArray<unknown>('messages');
export const controlState = (doc: Y.Doc): Y.Map<unknown> => doc.getMap<unknown>('state');

export const chatMessageSchema = z.object({
  id: z.string(),
  authorId: z.string(),
  authorName: z.string(),
  text: z.string(),
  at: z.number(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const phaseSchema = z.enum(['lobby', 'running', 'paused', 'break', 'ended']);
export type Phase = z.infer<typeof phaseSchema>;

/**
 * A person the dojo lists. `granted` marks a role a facilitator gave in this dojo, which stands over the
 * person's tokens; otherwise the listing shows the role of the newest token they joined with (`issuedAt`,
 * its `iat`), so a role the tenant changed since reaches the dojos the person had joined.
 */
export const participantSchema = z.object({
  name: z.string(),
  role: z.enum(['facilitator', 'participant', 'observer']),
  handRaised: z.boolean().default(false),
  granted: z.boolean().default(false),
  issuedAt: z.number().default(0),
});
export type Participant = z.infer<typeof participantSchema>;

/** Every field has a default so that a fresh (empty) control document reads as a lobby. */
export const controlStateSchema = z.object({
  phase: phaseSchema.catch('lobby'),
  format: z.enum(dojoFormats).catch('randori'),
  turn: z.number().int().catch(0),
  turnSeconds: z.number().int().positive().catch(300),
  /** Epoch milliseconds when the current turn started, null outside a running turn. */
  turnStartedAt: z.number().nullable().catch(null),
  /** Milliseconds left in the turn, kept while paused so the turn resumes where it stopped. */
  remainingMs: z.number().nullable().catch(null),
  breakEndsAt: z.number().nullable().catch(null),
  rotation: z.array(z.string()).catch([]),
  driverId: z.string().nullable().catch(null),
  navigatorId: z.string().nullable().catch(null),
  lock: z.enum(['driver', 'pair', 'open']).catch('open'),
  handover: z.enum(['timer', 'manual']).catch('timer'),
  participants: z.record(z.string(), participantSchema).catch({}),
  muted: z.array(z.string()).catch([]),
  /** A break is suggested every this many turns (0: never); `breakDue` is set when one is due. */
  breakReminderEveryTurns: z.number().int().min(0).catch(0),
  breakDue: z.boolean().catch(false),
  /** Users who asked to drive, oldest first. */
  driveRequests: z.array(z.string()).catch([]),
  /** Users removed by a facilitator: every node closes their connections. */
  removed: z.array(z.string()).catch([]),
  /** Who may run the tests besides facilitators. */
  runPolicy: z.enum(runPolicies).catch('driver'),
  autoRun: z.boolean().catch(false),
  /** The latest runs, oldest first (at most `controlRunsKept`): queued, running and finished. */
  runs: z.array(dojoRunSchema).max(controlRunsKept).catch([]),
});
export type ControlState = z.infer<typeof controlStateSchema>;

export function readControlState(doc: Y.Doc): ControlState {
  return controlStateSchema.parse(controlState(doc).toJSON());
}

export function readChatMessages(doc: Y.Doc): ChatMessage[] {
  return chatMessages(doc)
    .toArray()
    .flatMap((entry) => {
      const parsed = chatMessageSchema.safeParse(entry);
      return parsed.success ? [parsed.data] : [];
    });
}

/** Milliseconds left in the turn at `now`, or null when no turn is counting down. */
export function remainingTurnMs(state: ControlState, now: number): number | null {
  if (state.phase === 'paused') return state.remainingMs;
  if (state.phase === 'break') return state.breakEndsAt === null ? null : Math.max(0, state.breakEndsAt - now);
  if (state.phase !== 'running' || state.turnStartedAt === null) return null;
  return Math.max(0, state.turnStartedAt + state.turnSeconds * 1000 - now);
}

/**
 * Who may start a test run right now: nobody once the dojo has ended (its code cannot change); otherwise
 * facilitators, the driver (anyone while nobody drives) or, when a facilitator allowed everyone, every
 * participant; never observers.
 */
export function mayRun(state: ControlState, userId: string, role: 'facilitator' | 'participant' | 'observer'): boolean {
  if (state.phase === 'ended' || role === 'observer') return false;
  if (role === 'facilitator') return true;
  return state.runPolicy === 'everyone' || state.driverId === userId || state.driverId === null;
}

/**
 * Who may type in `code` right now, as the server enforces it: nobody once the dojo has ended (until a
 * facilitator reopens it), never observers, and a lock binds once someone drives.
 */
export function mayEdit(
  state: ControlState,
  userId: string,
  role: 'facilitator' | 'participant' | 'observer',
): boolean {
  if (state.phase === 'ended' || role === 'observer') return false;
  if (state.lock === 'open' || state.driverId === null) return true;
  if (state.lock === 'driver') return state.driverId === userId;
  return state.driverId === userId || state.navigatorId === userId;
}
