import { Counter, Gauge, type Registry } from '@pocdojo/shared';

export interface CollabMetrics {
  connections: Gauge;
  documents: Gauge;
  /** Frames received, per message type (index). */
  messagesIn: number[];
  framesSent: Tally;
  bytesIn: Tally;
  updateBytes: Tally;
  closed: Counter;
  errors: Counter;
  repairs: Counter;
  redisConnected: Gauge;
}

/**
 * A counter bumped on the hot path (every frame in or out) as a plain number, read into the registry when
 * it is scraped: prom-client hashes the labels on every `inc`, which cost more than the frame it counted.
 */
export interface Tally {
  count: number;
}

function tally(registry: Registry, name: string, help: string): Tally {
  const counted: Tally = { count: 0 };
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.inc(counted.count);
      counted.count = 0;
    },
  });
  return counted;
}

function tallyPerMessageType(registry: Registry): number[] {
  const counts: number[] = [];
  new Counter({
    name: 'pocdojo_ws_messages_in_total',
    help: 'Frames received from clients, by message type',
    labelNames: ['type'],
    registers: [registry],
    collect() {
      counts.forEach((count, type) => {
        if (count > 0) this.inc({ type: String(type) }, count);
      });
      counts.fill(0);
    },
  });
  return counts;
}

export function registerCollabMetrics(registry: Registry, documentsLoaded: () => number): CollabMetrics {
  return {
    framesSent: tally(registry, 'pocdojo_ws_messages_out_total', 'Frames sent to clients'),
    messagesIn: tallyPerMessageType(registry),
    bytesIn: tally(registry, 'pocdojo_ws_bytes_in_total', 'Bytes received from clients'),
    updateBytes: tally(registry, 'pocdojo_update_bytes_in_total', 'Bytes of Yjs updates received from clients'),
    connections: new Gauge({
      name: 'pocdojo_ws_connections',
      help: 'Open WebSocket connections',
      registers: [registry],
    }),
    documents: new Gauge({
      name: 'pocdojo_documents_loaded',
      help: 'Documents held in memory',
      registers: [registry],
      collect() {
        this.set(documentsLoaded());
      },
    }),
    closed: new Counter({
      name: 'pocdojo_ws_closed_total',
      help: 'Connections closed by the server, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    repairs: new Counter({
      name: 'pocdojo_log_repairs_total',
      help: 'Documents brought up to date from the log after missing a cross-node message',
      registers: [registry],
    }),
    redisConnected: new Gauge({
      name: 'pocdojo_redis_connected',
      help: '1 while the Redis fan-out is connected (absent without REDIS_URL)',
      registers: [registry],
    }),
    errors: new Counter({
      name: 'pocdojo_errors_total',
      help: 'Errors by component: client (a connection closed for bad input), persistence (a failed commit, retried)',
      labelNames: ['component'],
      registers: [registry],
    }),
  };
}
