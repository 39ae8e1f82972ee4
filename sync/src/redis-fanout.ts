import {
  OutgoingMessage,
  type Extension,
  type Hocuspocus,
  type afterLoadDocumentPayload,
  type afterUnloadDocumentPayload,
  type beforeBroadcastStatelessPayload,
  type onAwarenessUpdatePayload,
  type onChangePayload,
  type onConfigurePayload,
} from '@hocuspocus/server';
import { Redis as HocuspocusRedis } from '@hocuspocus/extension-redis';
import { Redis as IORedis } from 'ioredis';
import * as Y from 'yjs';
import type { Logger } from '@pocdojo/shared';
import { isReplayOrigin } from './origins.ts';

export interface RedisFanoutEvents {
  /** Redis became reachable (true) or was lost (false). */
  connectionChanged(connected: boolean): void;
  /** Redis came back after an outage: every loaded document must catch up with what was missed. */
  reconnected(): void;
}

/**
 * Cross-node fan-out through `@hocuspocus/extension-redis`, made to survive Redis outages:
 *
 * - a document still loads while Redis is down (its subscription completes in the background, and is
 *   redone on reconnect), so each node keeps serving its own clients;
 * - on reconnect every loaded document re-announces its state vector to its peers (the extension's own
 *   initial sync), and the `reconnected` event lets the log repair fill what pub/sub dropped meanwhile;
 * - the extension's store-time Redis lock is not used: this product persists every update as it happens
 *   (DocumentPersistence), not by storing whole documents, so there is nothing for that lock to guard;
 * - a change made on this node goes out as the update itself (merged per document and event-loop turn) on
 *   the extension's document channel, in its message format, and peers apply it as they would any update
 *   from Redis. The extension itself would publish the node's state vector and let every peer answer with
 *   what it lacks: three Redis hops per change instead of one, and a state diff computed per change on each
 *   peer. What a peer misses is read back from the log by the repair loop, not re-asked per change.
 */
export class RedisFanout implements Extension {
  extensionName = 'redis-fanout';
  // After DocumentPersistence (1000) so a document is loaded from the log before peers are asked for more.
  priority = 900;

  private readonly inner: HocuspocusRedis;
  private instance: Hocuspocus | undefined;
  private redisUp = false;
  private wasConnected = false;
  private readonly channelPrefix: string;
  /** This node's changes per document, waiting for the end of the event-loop turn. */
  private readonly outgoing = new Map<string, Uint8Array[]>();

  constructor(
    options: { url: string; nodeId: string; prefix?: string },
    private readonly logger: Logger,
    private readonly events: RedisFanoutEvents,
  ) {
    this.channelPrefix = options.prefix ?? 'pocdojo';
    this.inner = new HocuspocusRedis({
      identifier: options.nodeId,
      prefix: this.channelPrefix,
      createClient: () => this.createClient(options.url),
    });
    this.inner.sub.on('ready', () => this.setConnected(true));
    this.inner.sub.on('close', () => this.setConnected(false));
  }

  get isConnected(): boolean {
    return this.redisUp;
  }

  async onConfigure(payload: onConfigurePayload): Promise<void> {
    this.instance = payload.instance;
    await this.inner.onConfigure(payload);
  }

  async afterLoadDocument(payload: afterLoadDocumentPayload): Promise<void> {
    const subscribed = this.inner.afterLoadDocument(payload).catch((error: unknown) => {
      this.logger.warn(
        { err: error, document: payload.documentName },
        'Redis subscription failed; redone on reconnect',
      );
    });
    // Wait for peers' state only while Redis answers; never hold a load hostage to an outage.
    if (this.redisUp) await subscribed;
  }

  onChange({ documentName, update, transactionOrigin }: onChangePayload): Promise<void> {
    if (!this.redisUp || isReplayOrigin(transactionOrigin)) return Promise.resolve();
    const pending = this.outgoing.get(documentName);
    if (pending) pending.push(update);
    else {
      this.outgoing.set(documentName, [update]);
      setImmediate(() => this.publishChanges(documentName));
    }
    return Promise.resolve();
  }

  async onAwarenessUpdate(payload: onAwarenessUpdatePayload): Promise<void> {
    if (this.redisUp) await this.inner.onAwarenessUpdate(payload);
  }

  async beforeBroadcastStateless(payload: beforeBroadcastStatelessPayload): Promise<void> {
    if (this.redisUp) await this.inner.beforeBroadcastStateless(payload);
  }

  async afterUnloadDocument(payload: afterUnloadDocumentPayload): Promise<void> {
    await this.inner.afterUnloadDocument(payload);
  }

  async onDestroy(): Promise<void> {
    await this.inner.onDestroy();
  }

  private publishChanges(documentName: string): void {
    const updates = this.outgoing.get(documentName);
    this.outgoing.delete(documentName);
    if (!updates || !this.redisUp) return;
    const update = updates.length === 1 ? (updates[0] as Uint8Array) : Y.mergeUpdates(updates);
    const frame = new OutgoingMessage(documentName).createSyncMessage().writeUpdate(update).toUint8Array();
    const message = Buffer.concat([this.inner.messagePrefix, frame]);
    this.inner.pub.publish(`${this.channelPrefix}:${documentName}`, message).catch((error: unknown) => {
      this.logger.warn({ err: error, document: documentName }, 'publishing a change to Redis failed');
    });
  }

  private createClient(url: string): IORedis {
    const client = new IORedis(url, {
      // Subscriptions issued while Redis is away wait for it instead of failing for good. Publishing is
      // skipped while it is down (see onChange), so nothing else piles up; what peers missed meanwhile
      // is recovered by the state-vector exchange and the log repair on reconnect.
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
    });
    client.on('error', (error: Error) => this.logger.debug({ err: error }, 'Redis connection error'));
    return client;
  }

  private setConnected(connected: boolean): void {
    if (connected === this.redisUp) return;
    this.redisUp = connected;
    this.events.connectionChanged(connected);
    if (!connected) {
      this.logger.warn('Redis connection lost; serving local clients only until it is back');
      return;
    }
    this.logger.info('Redis connected');
    if (this.wasConnected) this.resubscribeAll();
    this.wasConnected = true;
  }

  private resubscribeAll(): void {
    for (const [documentName, document] of this.instance?.documents ?? []) {
      // Subscribing is idempotent, and the extension's initial sync re-announces our state vector.
      void this.inner
        .afterLoadDocument({ documentName, document } as afterLoadDocumentPayload)
        .catch((error: unknown) => this.logger.warn({ err: error, document: documentName }, 'resubscribe failed'));
    }
    this.events.reconnected();
  }
}
