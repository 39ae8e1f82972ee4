import type { Connection, connectedPayload, Extension } from '@hocuspocus/server';
import { applyAwarenessUpdate } from 'y-protocols/awareness';
import type { Logger } from '@pocdojo/shared';
import { encodeAwarenessUpdate, type AwarenessEntry } from '@pocdojo/shared/awareness-update';
import { CollabSocket } from './collab-socket.ts';

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
 */
export class AwarenessIntake implements Pick<Extension, 'connected'> {
  constructor(private readonly logger: Logger) {}

  connected({ connection }: connectedPayload): Promise<void> {
    if (connection.webSocket instanceof CollabSocket) connection.webSocket.established(connection);
    return Promise.resolve();
  }

  async apply(connection: Connection, entries: AwarenessEntry[]): Promise<void> {
    const { document } = connection;
    const states = new Map<number, Record<string, unknown>>();
    for (const entry of entries) if (entry.state !== null) states.set(entry.clientId, entry.state);
    const origin = { source: 'connection' as const, connection };
    try {
      await document.callbacks.beforeHandleAwareness(document, states, origin);
    } catch (error) {
      this.logger.warn({ err: error, documentName: document.name }, 'presence update refused');
      return;
    }
    // A state a hook took out of the map is dropped, as Hocuspocus does; removals (null) pass.
    const accepted = entries.flatMap(({ clientId, clock, state }) => {
      const stamped = state === null ? null : states.get(clientId);
      return stamped === undefined ? [] : [{ clientId, clock, state: stamped }];
    });
    applyAwarenessUpdate(document.awareness, encodeAwarenessUpdate(accepted), origin);
  }
}
