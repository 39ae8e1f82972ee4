import { EventEmitter } from 'node:events';
import type pg from 'pg';
import pgListen from 'pg-listen';
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
 * On a Postgres server: a dedicated connection per listener (pg-listen), reconnecting for as long as it
 * takes (backing off to 5 s), checked every 10 s so a silently dead connection is noticed.
 */
export function listenOnServer(connectionString: string, log: Logger): Listen {
  return async (channel, listener) => {
    checkChannel(channel);
    // A CommonJS module: its function is `exports.default` under every loader (tsx, vitest, node).
    const subscriber = pgListen.default(
      { connectionString },
      {
        paranoidChecking: 10_000,
        retryInterval: (attempt: number) => Math.min(5_000, 250 * 2 ** attempt),
        retryTimeout: Number.POSITIVE_INFINITY,
        // Payloads are plain text ("tenant/dojo"), not JSON.
        parse: (payload) => payload,
      },
    );
    subscriber.notifications.on(channel, (payload: unknown) => listener.notified(String(payload ?? '')));
    subscriber.events.on('reconnect', (attempt) => {
      if (attempt === 1) log.warn({ channel }, 'notification connection lost; reconnecting');
    });
    subscriber.events.on('error', (error) => log.warn({ err: error, channel }, 'notification connection failed'));
    try {
      await subscriber.connect();
      await subscriber.listenTo(channel);
    } catch (error) {
      await subscriber.close().catch(() => undefined);
      throw error;
    }
    // From here on `connected` means a reconnection, after pg-listen listened again.
    subscriber.events.on('connected', () => listener.resumed());
    listener.resumed();
    return async () => {
      await subscriber.close().catch(() => undefined);
    };
  };
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
