import type { TemplatedApp, WebSocket } from 'uWebSockets.js';

/**
 * Document updates go out as one uWS topic publish per document instead of one send per socket.
 *
 * Hocuspocus broadcasts an update by handing the same encoded buffer to every connection of the
 * document in turn. The first socket to see a buffer publishes it to the document's topic, and uWS
 * writes it to every subscriber in native code; the other sockets of the loop see the same buffer and
 * do nothing. A socket joins the topic the first time an update of that document reaches it (and,
 * having missed that publish, sends that one frame itself); it leaves when its document connection
 * closes. Update frames (sync step "update") are only ever broadcasts in Hocuspocus, so nothing meant
 * for one socket reaches the others.
 */
export class RoomBroadcast {
  private lastPublished: Uint8Array | undefined;

  constructor(private readonly app: TemplatedApp) {}

  /** Delivers a broadcast update frame to `ws`; returns how many frames uWS wrote. */
  deliver<T>(ws: WebSocket<T>, topics: Set<string>, topic: string, frame: Uint8Array): number {
    const joined = !topics.has(topic);
    if (joined) {
      ws.subscribe(topic);
      topics.add(topic);
    }
    if (frame !== this.lastPublished) {
      this.lastPublished = frame;
      const subscribers = this.app.numSubscribers(topic);
      this.app.publish(topic, frame, true);
      return subscribers;
    }
    if (joined) {
      ws.send(frame, true);
      return 1;
    }
    return 0;
  }

  leave<T>(ws: WebSocket<T>, topics: Set<string>, topic: string): void {
    if (topics.delete(topic)) ws.unsubscribe(topic);
  }
}
