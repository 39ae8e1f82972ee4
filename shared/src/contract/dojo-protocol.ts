/**
 * The dojo command protocol: JSON text carried in Hocuspocus stateless messages on a dojo's
 * `control` document (`<tid>/dojo/<id>/control`). Server and clients share these functions.
 *
 * Client → server, one command:
 *   {"v":1,"id":"c1","type":"command","name":"chat","args":{"text":"hello"}}
 * Server → the sender, exactly one reply per command id:
 *   {"v":1,"id":"c1","type":"reply","ok":true}
 *   {"v":1,"id":"c1","type":"reply","ok":false,"error":{"code":"forbidden","message":"only facilitators may rotate"}}
 * Server → clients, unsolicited events (a facilitator's summon, a refused edit, a removal):
 *   {"v":1,"type":"event","name":"summon","data":{"path":"src/main.ts","line":12,"by":"u1"}}
 *
 * `v` is the schema version: a receiver refuses versions it does not know with `invalid` instead of
 * guessing. `id` is chosen by the client, unique per connection (1–64 printable characters). Unknown
 * fields are rejected; args are validated per command name; no string may hold NUL (U+0000). The state a command changes is not in
 * the reply: it arrives through the `control` or `chat` document like every other change.
 */
import { nulMessage, nulPaths } from './nul-characters.ts';
import { runPolicies } from './runs.ts';
import { z } from 'zod';

export const protocolVersion = 1;

/** The codes a reply may carry; the same names as the REST problem types and WebSocket close reasons. */
export const replyErrorCodeSchema = z.enum([
  'forbidden',
  'invalid',
  'rate_limited',
  'not_found',
  'unavailable',
  'conflict',
]);
export type ReplyErrorCode = z.infer<typeof replyErrorCodeSchema>;

const userId = z.string().min(1).max(128);
const dojoRole = z.enum(['facilitator', 'participant', 'observer']);
const empty = z.strictObject({});

/** Every command and the shape of its args. Adding a command is adding a line here. */
export const commandArgsSchemas = {
  // Facilitator: session lifecycle.
  start: empty,
  pause: empty,
  resume: empty,
  end: empty,
  /** Opens an ended dojo again, paused (or in its lobby when it never started). */
  reopen: empty,
  break: z.strictObject({ minutes: z.number().int().min(1).max(120) }),
  setBreakReminder: z.strictObject({ everyTurns: z.number().int().min(0).max(100) }),
  // Facilitator: turns and rotation.
  setTurnLength: z.strictObject({ seconds: z.number().int().min(5).max(7200) }),
  setRotation: z.strictObject({ order: z.array(userId).max(1000) }),
  /**
   * One person joins the end of the rotation, or leaves it. Unlike `setRotation` (a whole order computed
   * from what the client saw) two of these sent in a row both count, whatever reached the client between.
   */
  putInRotation: z.strictObject({ userId }),
  takeOutOfRotation: z.strictObject({ userId }),
  randomizeRotation: empty,
  rotate: empty,
  setHandoverRule: z.strictObject({ rule: z.enum(['timer', 'manual']) }),
  lock: z.strictObject({ mode: z.enum(['driver', 'pair', 'open']) }),
  // Facilitator: people.
  grantRole: z.strictObject({ userId, role: dojoRole }),
  revokeRole: z.strictObject({ userId, role: dojoRole }),
  remove: z.strictObject({ userId }),
  mute: z.strictObject({ userId }),
  unmute: z.strictObject({ userId }),
  summon: z.strictObject({ path: z.string().min(1).max(512), line: z.number().int().min(1).max(1_000_000) }),
  // Facilitator: test runs.
  /** Who may run the tests besides the facilitator: the driver (default) or every participant. */
  setRunPolicy: z.strictObject({ policy: z.enum(runPolicies) }),
  /** Runs start by themselves when the driver stops typing for a moment. */
  setAutoRun: z.strictObject({ on: z.boolean() }),
  // Whom the run policy allows: run the tests on the code as it is now.
  run: empty,
  // Everyone.
  chat: z.strictObject({ text: z.string().trim().min(1).max(2000) }),
  raiseHand: z.strictObject({ raised: z.boolean() }),
  requestDrive: empty,
  handover: z.strictObject({ to: userId.optional() }),
} as const;

export type CommandName = keyof typeof commandArgsSchemas;
export type CommandArgs<N extends CommandName> = z.input<(typeof commandArgsSchemas)[N]>;
export const commandNames = Object.keys(commandArgsSchemas) as CommandName[];

const commandIdSchema = z.string().regex(/^[\x21-\x7e]{1,64}$/, 'id: 1-64 printable ASCII characters');

const commandEnvelopeSchema = z.strictObject({
  v: z.literal(protocolVersion),
  id: commandIdSchema,
  type: z.literal('command'),
  name: z.enum(commandNames as [CommandName, ...CommandName[]]),
  args: z.unknown(),
});

export type Command = {
  [N in CommandName]: { v: 1; id: string; type: 'command'; name: N; args: z.output<(typeof commandArgsSchemas)[N]> };
}[CommandName];

export const replySchema = z.discriminatedUnion('ok', [
  z.strictObject({ v: z.literal(protocolVersion), id: commandIdSchema, type: z.literal('reply'), ok: z.literal(true) }),
  z.strictObject({
    v: z.literal(protocolVersion),
    id: commandIdSchema,
    type: z.literal('reply'),
    ok: z.literal(false),
    error: z.strictObject({ code: replyErrorCodeSchema, message: z.string().max(500) }),
  }),
]);
export type Reply = z.infer<typeof replySchema>;

/** Unsolicited server events. Clients ignore names they do not know (newer servers may add some). */
export const eventDataSchemas = {
  /** A facilitator asks everyone to look at a file and line. */
  summon: z.object({ path: z.string(), line: z.number().int(), by: userId }),
  /** The server refused an edit to `code` (editing is locked to the driver); the document resyncs. */
  editRejected: z.object({ reason: z.string() }),
  /** The receiver was removed from the dojo; its connections close next. */
  removed: z.object({ by: userId }),
} as const;
export type EventName = keyof typeof eventDataSchemas;
export type DojoEvent = {
  [N in EventName]: { v: 1; type: 'event'; name: N; data: z.output<(typeof eventDataSchemas)[N]> };
}[EventName];

const eventEnvelopeSchema = z.object({
  v: z.literal(protocolVersion),
  type: z.literal('event'),
  name: z.string().min(1).max(64),
  data: z.unknown(),
});

export type Decoded<T> = { ok: true; value: T } | { ok: false; message: string; id?: string };

const describe = (error: z.ZodError): string =>
  error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`)
    .join('; ');

function parseJson(text: string): Decoded<unknown> {
  if (text.length > 16_384) return { ok: false, message: 'message longer than 16384 characters' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, message: 'not JSON' };
  }
}

/** Client side: validates the args before anything goes on the wire, so mistakes fail where they are made. */
export function encodeCommand<N extends CommandName>(id: string, name: N, args: CommandArgs<N>): string {
  commandIdSchema.parse(id);
  const parsedArgs = commandArgsSchemas[name].parse(args);
  return JSON.stringify({ v: protocolVersion, id, type: 'command', name, args: parsedArgs });
}

/**
 * Server side: a stateless payload to a command. On failure `id` is set when the payload carried a
 * usable one, so the server can still answer `invalid` to the right request.
 */
export function decodeCommand(text: string): Decoded<Command> {
  const json = parseJson(text);
  if (!json.ok) return json;
  const replyTo = () => {
    const id = commandIdSchema.safeParse((json.value as { id?: unknown } | null)?.id);
    return id.success ? { id: id.data } : {};
  };
  // Before any schema: args end up in Postgres text (removals, summaries), which cannot hold NUL.
  const nul = nulPaths(json.value);
  if (nul.length > 0) return { ok: false, message: `${nul.join(', ')}: ${nulMessage}`, ...replyTo() };
  const envelope = commandEnvelopeSchema.safeParse(json.value);
  if (!envelope.success) return { ok: false, message: describe(envelope.error), ...replyTo() };
  const { id, name } = envelope.data;
  const args = commandArgsSchemas[name].safeParse(envelope.data.args ?? {});
  if (!args.success) return { ok: false, message: describe(args.error), id };
  return { ok: true, value: { v: protocolVersion, id, type: 'command', name, args: args.data } as Command };
}

export function encodeReply(reply: Reply): string {
  return JSON.stringify(replySchema.parse(reply));
}

export const okReply = (id: string): Reply => ({ v: protocolVersion, id, type: 'reply', ok: true });
export const errorReply = (id: string, code: ReplyErrorCode, message: string): Reply => ({
  v: protocolVersion,
  id,
  type: 'reply',
  ok: false,
  error: { code, message: message.slice(0, 500) },
});

export function encodeEvent(event: DojoEvent): string {
  return JSON.stringify({ ...event, data: eventDataSchemas[event.name].parse(event.data) });
}

export type ServerMessage = { kind: 'reply'; reply: Reply } | { kind: 'event'; event: DojoEvent } | { kind: 'unknown' };

/**
 * Client side: a stateless payload from the server. Messages of other protocols on the same
 * document, events of newer servers and malformed text come back as `unknown` for the caller to drop.
 */
export function decodeServerMessage(text: string): ServerMessage {
  const json = parseJson(text);
  if (!json.ok) return { kind: 'unknown' };
  const reply = replySchema.safeParse(json.value);
  if (reply.success) return { kind: 'reply', reply: reply.data };
  const envelope = eventEnvelopeSchema.safeParse(json.value);
  if (!envelope.success || !(envelope.data.name in eventDataSchemas)) return { kind: 'unknown' };
  const name = envelope.data.name as EventName;
  const data = eventDataSchemas[name].safeParse(envelope.data.data);
  if (!data.success) return { kind: 'unknown' };
  return { kind: 'event', event: { v: protocolVersion, type: 'event', name, data: data.data } as DojoEvent };
}
