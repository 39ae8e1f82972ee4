/**
 * Presence: the awareness state every client publishes on a dojo's `code` document.
 * `{userId, name, color, role, cursor}`; the server overwrites the identity fields (userId, name,
 * role) from the token, so a peer's claims here are as trustworthy as the server makes them.
 * `user` is the field y-codemirror.next reads to draw remote cursors with a name and a colour;
 * `cursor` is y-codemirror.next's own `{anchor, head}` pair of relative positions, plus the path of
 * the file it belongs to so follow mode can open the right file. `editor` names the program of someone
 * who edits from their own editor rather than the web editor (`pocdojo`, the command that mirrors the
 * dojo into a folder); then `file` is the file they last saved. Absent for the web app, so presence
 * from clients that predate it reads as before.
 */
import { z } from 'zod';

export const presenceSchema = z.object({
  userId: z.string().min(1).max(128),
  name: z.string().max(200),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/),
  role: z.enum(['facilitator', 'participant', 'observer']),
  file: z.string().max(512).nullable().default(null),
  /** The first visible line of the writer's editor: follow mode scrolls there. */
  topLine: z.number().int().min(1).nullable().default(null),
  editor: z.string().min(1).max(64).optional(),
  user: z.object({ name: z.string(), color: z.string(), colorLight: z.string().optional() }).optional(),
  cursor: z.unknown().optional(),
});
export type Presence = z.infer<typeof presenceSchema>;

export interface Peer extends Presence {
  clientId: number;
}

// Every colour carries white text (the name tags of remote carets) at WCAG AA contrast, 4.5:1 or more.
const palette = [
  '#d7263d',
  '#137a6f',
  '#2f6fa8',
  '#a85d00',
  '#6a4c93',
  '#23792f',
  '#c2185b',
  '#00838f',
  '#8d6e00',
  '#5d4037',
];

/** A stable colour per user, so people keep their colour across reloads and devices. */
export function colorFor(userId: string): string {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return palette[hash % palette.length] ?? '#2f6fa8';
}

/** The same colour, translucent: y-codemirror.next paints remote selections with it. */
export const lightColor = (color: string): string => `${color}33`;

/** Valid presence states of other clients; malformed ones are dropped rather than trusted. */
export function readPeers(states: Map<number, Record<string, unknown>>, ownClientId: number): Peer[] {
  const peers: Peer[] = [];
  for (const [clientId, state] of states) {
    if (clientId === ownClientId) continue;
    const parsed = presenceSchema.safeParse(state);
    if (parsed.success) peers.push({ ...parsed.data, clientId });
  }
  return peers;
}
