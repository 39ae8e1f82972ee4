import type {
  Extension,
  Hocuspocus,
  afterLoadDocumentPayload,
  afterUnloadDocumentPayload,
  beforeBroadcastStatelessPayload,
  onAwarenessUpdatePayload,
  onChangePayload,
  onConfigurePayload,
} from '@hocuspocus/server';
import { Redis as HocuspocusRedis } from '@hocuspocus/extension-redis';
import { Redis as IORedis } from 'ioredis';
import type { Logger } from '@pocdojo/shared';

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
 *   (DocumentPersistence), not by storing whole documents, so there is nothing for that lock to guard.
 */
export class RedisFanout implements Extension {
  extensionName = 'redis-fanout';
  // After DocumentPersistence (1000) so a document is loaded from the log before peers are asked for more.
  priority = 900;

  private readonly inner: HocuspocusRedis;
  private instance: Hocuspocus | undefined;
  private redisUp = false;
  private wasConnected = false;

  constructor(
    options: { url: string; nodeId: string; prefix?: string },
    private readonly logger: Logger,
    private readonly events: RedisFanoutEvents,
  ) {
    this.inner = new HocuspocusRedis({
      identifier: options.nodeId,
      prefix: options.prefix ?? 'pocdojo',
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

  async onChange(payload: onChangePayload): Promise<void> {
    if (this.redisUp) await this.inner.onChange(payload);
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
