import { Counter, Gauge, type Registry } from '@pocdojo/shared';

export interface CollabMetrics {
  connections: Gauge;
  documents: Gauge;
  messagesIn: Counter;
  /** Frames sent to clients: a plain tally on the hot path, read into the counter when scraped. */
  framesSent: { count: number };
  bytesIn: Counter;
  updateBytes: Counter;
  closed: Counter;
  errors: Counter;
  repairs: Counter;
  redisConnected: Gauge;
}

export function registerCollabMetrics(registry: Registry, documentsLoaded: () => number): CollabMetrics {
  const framesSent = { count: 0 };
  new Counter({
    name: 'pocdojo_ws_messages_out_total',
    help: 'Frames sent to clients',
    registers: [registry],
    collect() {
      this.inc(framesSent.count);
      framesSent.count = 0;
    },
  });
  return {
    framesSent,
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
    messagesIn: new Counter({
      name: 'pocdojo_ws_messages_in_total',
      help: 'Frames received from clients',
      labelNames: ['type'],
      registers: [registry],
    }),
    bytesIn: new Counter({
      name: 'pocdojo_ws_bytes_in_total',
      help: 'Bytes received from clients',
      registers: [registry],
    }),
    updateBytes: new Counter({
      name: 'pocdojo_update_bytes_in_total',
      help: 'Bytes of Yjs updates received from clients',
      registers: [registry],
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
