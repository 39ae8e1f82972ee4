import { EventEmitter } from 'node:events';
import type pg from 'pg';
import pgListen, { type Subscriber } from 'pg-listen';
import type { Logger } from '../logging.ts';

/**
 * Postgres LISTEN/NOTIFY for the processes that wait on a table others write (the rooms and runners
 * on `dojo_runs`). A listener is told each payload on its channel, and told `resumed` whenever it may
 * have missed some (the listening connection came back, or was first opened), so it reads the table
 * again. Delivery is at most once: a listener keeps a slow poll as its safety net.
 */
export interface NotificationListener {
  notified(payload: string): void;
  resumed(): void;
}

export type Unlisten = () => Promise<void>;

export type Listen = (channel: string, listener: NotificationListener) => Promise<Unlisten>;

const channelName = /^[a-z_][a-z0-9_]{0,62}$/;

function checkChannel(channel: string): void {
  if (!channelName.test(channel)) throw new Error(`not a notification channel name: ${channel}`);
}

/**
 * On a Postgres server: one dedicated connection per process for all its channels (pg-listen), opened
 * with the first listener and closed with the last, reconnecting for as long as it takes (backing off to
 * 5 s), checked every 10 s so a silently dead connection is noticed. After a reconnection pg-listen has
 * listened on every channel again, and every listener is told `resumed`.
 */
export function listenOnServer(connectionString: string, log: Logger): Listen {
  const connection = new ListeningConnection(connectionString, log);
  return (channel, listener) => connection.listen(channel, listener);
}

interface Channel {
  listeners: Set<NotificationListener>;
  /** Its LISTEN: a later listener of the channel is told `resumed` only once it is done. */
  listened: Promise<unknown>;
}

class ListeningConnection {
  private readonly channels = new Map<string, Channel>();
  private subscriber: Promise<Subscriber> | undefined;
  /** Listeners waiting for the connection to open: it must not be closed under them. */
  private arriving = 0;
  /** LISTEN and UNLISTEN run one after another: pg deprecates queuing a query behind a running one. */
  private lastChange: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connectionString: string,
    private readonly log: Logger,
  ) {}

  async listen(name: string, listener: NotificationListener): Promise<Unlisten> {
    checkChannel(name);
    const opening = (this.subscriber ??= this.open());
    let subscriber: Subscriber;
    this.arriving += 1;
    try {
      subscriber = await opening;
    } catch (error) {
      if (this.subscriber === opening) this.subscriber = undefined;
      throw error;
    } finally {
      this.arriving -= 1;
    }
    let channel = this.channels.get(name);
    if (!channel) {
      channel = { listeners: new Set(), listened: this.inTurn(() => subscriber.listenTo(name)) };
      this.channels.set(name, channel);
    }
    channel.listeners.add(listener);
    const stop = () => this.stop(subscriber, name, listener);
    try {
      await channel.listened;
    } catch (error) {
      await stop();
      throw error;
    }
    listener.resumed();
    return stop;
  }

  private async stop(subscriber: Subscriber, name: string, listener: NotificationListener): Promise<void> {
    const channel = this.channels.get(name);
    if (!channel?.listeners.delete(listener)) return;
    if (channel.listeners.size > 0) return;
    this.channels.delete(name);
    await this.inTurn(() => subscriber.unlisten(name)).catch(() => undefined);
    if (this.channels.size > 0 || this.arriving > 0 || !this.subscriber) return;
    const closing = this.subscriber;
    this.subscriber = undefined;
    await closing.then((opened) => opened.close()).catch(() => undefined);
  }

  private async open(): Promise<Subscriber> {
    // A CommonJS module: its function is `exports.default` under every loader (tsx, vitest, node).
    const subscriber = pgListen.default(
      { connectionString: this.connectionString, application_name: 'pocdojo-notifications' },
      {
        paranoidChecking: 10_000,
        retryInterval: (attempt: number) => Math.min(5_000, 250 * 2 ** attempt),
        retryTimeout: Number.POSITIVE_INFINITY,
        // Payloads are plain text ("tenant/dojo"), not JSON.
        parse: (payload) => payload,
      },
    );
    subscriber.events.on('notification', ({ channel, payload }) => {
      for (const listener of this.channels.get(channel)?.listeners ?? []) listener.notified(String(payload ?? ''));
    });
    subscriber.events.on('reconnect', (attempt) => {
      if (attempt === 1)
        this.log.warn({ channels: [...this.channels.keys()] }, 'notification connection lost; reconnecting');
    });
    subscriber.events.on('error', (error) => this.log.warn({ err: error }, 'notification connection failed'));
    try {
      await subscriber.connect();
    } catch (error) {
      await subscriber.close().catch(() => undefined);
      throw error;
    }
    // From here on `connected` means a reconnection, after pg-listen listened again.
    subscriber.events.on('connected', () => {
      for (const channel of this.channels.values()) for (const listener of channel.listeners) listener.resumed();
    });
    return subscriber;
  }

  private inTurn(query: () => Promise<unknown> | undefined): Promise<unknown> {
    const done = this.lastChange.then(query);
    this.lastChange = done.catch(() => undefined);
    return done;
  }
}

/**
 * On the embedded PGlite: its one session serves every socket connection, so a notification comes back
 * on whichever connection ran the notifying transaction (the pool's), not on a dedicated one, and not to
 * PGlite's in-process `listen()`, which only sees queries made in-process. The pool's connections
 * therefore hand their notifications to the listeners, and LISTEN goes through the pool (outside any
 * transaction: the pool's one connection is free when it runs). The session outlives the socket
 * connections (pglite-socket never UNLISTENs), so nothing is lost when the pool replaces its connection.
 */
export function listenOnEmbedded(pool: pg.Pool): Listen {
  const notifications = new EventEmitter();
  notifications.setMaxListeners(0);
  pool.on('connect', (client) =>
    client.on('notification', (message) => notifications.emit(message.channel, message.payload ?? '')),
  );
  const listening = new Map<string, number>();
  return async (channel, listener) => {
    checkChannel(channel);
    const deliver = (payload: string) => listener.notified(payload);
    if (!listening.has(channel)) await pool.query(`LISTEN ${channel}`);
    listening.set(channel, (listening.get(channel) ?? 0) + 1);
    notifications.on(channel, deliver);
    listener.resumed();
    return async () => {
      notifications.off(channel, deliver);
      const left = (listening.get(channel) ?? 1) - 1;
      if (left > 0) {
        listening.set(channel, left);
        return;
      }
      listening.delete(channel);
      await pool.query(`UNLISTEN ${channel}`).catch(() => undefined);
    };
  };
}
