import type { Connection, connectedPayload, Document, Extension } from '@hocuspocus/server';
import { applyAwarenessUpdate } from 'y-protocols/awareness';
import type { Logger } from '@pocdojo/shared';
import { encodeAwarenessUpdate, type AwarenessEntry } from '@pocdojo/shared/awareness-update';
import { CollabSocket } from './collab-socket.ts';
import { PresencePacing, type PresenceBatch } from './presence-pacing.ts';

/**
 * Presence (awareness) messages of an established document connection are applied here instead of
 * going through Hocuspocus's message pipeline.
 *
 * Hocuspocus 4.7 hands every awareness message to `beforeHandleAwareness` by building a scratch Y.Doc
 * and Awareness for it: a random v4 UUID (31 crypto calls) and an interval timer per cursor move, which
 * was the largest single cost of a typing room. (Its scratch awareness also adds its own entry, with
 * clock 0, to every relayed update: receivers ignore it, but it travels.) Here the frame guard has
 * already decoded the entries; the same hook runs on a map of exactly the sender's states (the dojo
 * rules stamp the token's identity there), and the result is applied to the document's awareness with
 * the connection as origin, so Hocuspocus still tracks which clients to remove when the connection
 * closes, broadcasts the change and tells the other nodes.
 *
 * Each document's changes are paced (see presence-pacing.ts): a busy room's cursor moves go out together,
 * several clients in one standard awareness frame, at most once per `intervalMs`.
 */
export class AwarenessIntake implements Pick<Extension, 'connected'> {
  private readonly pacing = new WeakMap<Document, PresencePacing>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  connected({ connection }: connectedPayload): Promise<void> {
    if (connection.webSocket instanceof CollabSocket) connection.webSocket.established(connection);
    return Promise.resolve();
  }

  take(connection: Connection, entries: AwarenessEntry[]): void {
    const { document } = connection;
    let pacing = this.pacing.get(document);
    if (!pacing) {
      pacing = new PresencePacing(this.intervalMs, (batch) => void this.release(document, batch));
      this.pacing.set(document, pacing);
      document.on('destroy', () => pacing?.clear());
    }
    pacing.add(connection, entries);
  }

  private async release(document: Document, batch: PresenceBatch): Promise<void> {
    await Promise.all([...batch].map(([connection, entries]) => this.apply(document, connection, entries)));
  }

  private async apply(document: Document, connection: Connection, entries: AwarenessEntry[]): Promise<void> {
    const states = new Map<number, Record<string, unknown>>();
    for (const entry of entries) if (entry.state !== null) states.set(entry.clientId, entry.state);
    const origin = { source: 'connection' as const, connection };
    try {
      await document.callbacks.beforeHandleAwareness(document, states, origin);
    } catch (error) {
      this.logger.warn({ err: error, documentName: document.name }, 'presence update refused');
      return;
    }
    // A connection that closed meanwhile has had its clients removed; its held states must not return.
    if (document.isDestroyed || !document.hasConnection(connection)) return;
    // A state a hook took out of the map is dropped, as Hocuspocus does; removals (null) pass.
    const accepted = entries.flatMap(({ clientId, clock, state }) => {
      const stamped = state === null ? null : states.get(clientId);
      return stamped === undefined ? [] : [{ clientId, clock, state: stamped }];
    });
    applyAwarenessUpdate(document.awareness, encodeAwarenessUpdate(accepted), origin);
  }
}
