/**
 * The Redis fan-out on its own: two Hocuspocus instances (two nodes, no sockets) share documents through
 * a private redis-server the test can stop and start. A change goes out once per document and event-loop
 * turn, as the update itself; what a node applies from Redis is not sent back; an outage is survived and
 * healed when Redis returns.
 */
import { Hocuspocus, type DirectConnection } from '@hocuspocus/server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@pocdojo/shared';
import { RedisProcess } from '@pocdojo/shared/testing/redis-process';
import { RedisFanout } from '../src/redis-fanout.ts';

const logger = createLogger({ level: 'silent', name: 'redis-fanout-test' });
const prefix = 'fanout-test';

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const quiet = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A node: a Hocuspocus instance with only the fan-out, and what the fan-out told it. */
class Node {
  readonly connected: boolean[] = [];
  reconnections = 0;
  readonly fanout: RedisFanout;
  readonly hocuspocus: Hocuspocus;

  constructor(url: string, nodeId: string) {
    this.fanout = new RedisFanout({ url, nodeId, prefix }, logger, {
      connectionChanged: (connected) => this.connected.push(connected),
      reconnected: () => (this.reconnections += 1),
    });
    this.hocuspocus = new Hocuspocus({ name: nodeId, quiet: true, extensions: [this.fanout] });
  }

  open(documentName: string): Promise<DirectConnection> {
    return this.hocuspocus.openDirectConnection(documentName);
  }
}

/** The document's text as a node holds it. */
const textOn = (node: Node, name: string) => node.hocuspocus.documents.get(name)?.getText('code').toString() ?? '';

describe('the Redis fan-out between two nodes', () => {
  let redis: RedisProcess;
  let monitor: Redis;
  let a: Node;
  let b: Node;
  const published = new Map<string, number>();

  beforeAll(async () => {
    redis = await RedisProcess.start();
    monitor = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
    monitor.on('error', () => undefined);
    await monitor.psubscribe(`${prefix}:*`);
    monitor.on('pmessage', (_pattern, channel: string) => published.set(channel, (published.get(channel) ?? 0) + 1));
    a = new Node(redis.url, 'node-a');
    b = new Node(redis.url, 'node-b');
    await until(() => a.fanout.isConnected && b.fanout.isConnected, 'both nodes to reach Redis');
  });
  afterAll(async () => {
    await a?.fanout.onDestroy();
    await b?.fanout.onDestroy();
    monitor?.disconnect();
    await redis?.stop();
  });

  it('sends a burst of changes made in one turn as one message, which the peer applies without echoing', async () => {
    const name = 't_acme/poc/burst/code';
    const onA = await a.open(name);
    const onB = await b.open(name);
    await quiet(300); // the loads' own state-vector exchange
    published.clear();

    await Promise.all(
      ['one ', 'two ', 'three'].map((word) =>
        onA.transact((doc) => doc.getText('code').insert(doc.getText('code').length, word)),
      ),
    );
    await until(() => textOn(b, name) === 'one two three', 'the peer to apply the burst');
    await quiet(300);

    expect(published.get(`${prefix}:${name}`)).toBe(1);
    await onA.disconnect();
    await onB.disconnect();
  });

  it('keeps serving through a Redis outage and heals the peer when Redis returns', async () => {
    const name = 't_acme/poc/outage/code';
    const onA = await a.open(name);
    const onB = await b.open(name);
    await onA.transact((doc) => doc.getText('code').insert(0, 'before '));
    await until(() => textOn(b, name) === 'before ', 'the first change to reach the peer');

    await redis.stop();
    await until(() => !a.fanout.isConnected && !b.fanout.isConnected, 'both nodes to notice the outage');
    expect(a.connected.at(-1)).toBe(false);
    // A change while Redis is away: applied locally, not published, no error.
    await onA.transact((doc) => doc.getText('code').insert(doc.getText('code').length, 'during'));
    expect(textOn(a, name)).toBe('before during');
    expect(textOn(b, name)).toBe('before ');

    const reconnectionsBefore = a.reconnections;
    await redis.launch();
    await until(() => a.reconnections > reconnectionsBefore, 'the reconnect event');
    expect(a.connected.at(-1)).toBe(true);
    // The state-vector exchange on resubscribe carries what the peer missed.
    await until(() => textOn(b, name) === 'before during', 'the peer to catch up');
    await onA.disconnect();
    await onB.disconnect();
  });
});
