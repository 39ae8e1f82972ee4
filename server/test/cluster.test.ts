import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTestDatabase, testRedisUrl, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { connect, eventually, synced, type TestProvider } from './support/providers.ts';
import { RedisProcess } from '@pocdojo/shared/testing/redis-process';
import { ServerProcess } from './support/server-process.ts';
import { TcpProxy } from '@pocdojo/shared/testing/tcp-proxy';

/**
 * Several real server processes sharing one Postgres database and one Redis, the way the product is
 * scaled out, with a load balancer (a TCP proxy) in front when clients must move between nodes.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function cluster(nodes: number, options: { redisUrl?: string; prefix?: string } = {}) {
  const database: TestDatabase = await createTestDatabase();
  cleanups.push(() => database.drop());
  const dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-cluster-'));
  const env = {
    REDIS_URL: options.redisUrl ?? testRedisUrl(),
    // Channels per test: tests run in parallel against the machine's Redis.
    REDIS_PREFIX: options.prefix ?? `t${Math.random().toString(36).slice(2, 8)}`,
    REPAIR_INTERVAL_MS: '500',
  };
  const servers = await Promise.all(
    Array.from({ length: nodes }, () => ServerProcess.start({ dataDir, databaseUrl: database.url, env })),
  );
  for (const server of servers) cleanups.push(() => server.stop());
  return { database, servers };
}

/**
 * A client typing numbered tokens; it remembers which of them the server acknowledged, counting only what
 * the provider's `unsyncedChanges` proves. Each (re)connection resets that count to 1 for the sync it
 * starts, and the first decrement after it acknowledges that sync, not a typed token: crediting it to a
 * token (as this did until a full-suite run typed before the first sync's acknowledgement arrived) claims an
 * acknowledgement the server never sent. A count of 0 means everything typed is acknowledged.
 */
class Typist {
  readonly client: TestProvider;
  readonly typed: string[] = [];
  readonly acknowledged = new Set<string>();
  private readonly outstanding: string[] = [];
  private last = 0;
  private resync: 'reset' | 'sync' | undefined;

  constructor(
    readonly id: string,
    url: string,
    name: string,
    token: string,
  ) {
    this.client = connect({ url, name, token });
    cleanups.push(async () => this.client.destroy());
    this.client.provider.on('open', () => {
      this.resync = 'reset';
    });
    this.client.provider.on('unsyncedChanges', ({ number }: { number: number }) => this.count(number));
  }

  type(): void {
    const token = `${this.id}#${this.typed.length};`;
    this.typed.push(token);
    this.outstanding.push(token);
    this.client.text.insert(this.client.text.length, token);
  }

  private count(unsynced: number): void {
    if (unsynced === 0) {
      for (const token of this.outstanding.splice(0)) this.acknowledged.add(token);
      this.resync = undefined;
    } else if (this.resync === 'reset') {
      this.resync = 'sync';
    } else if (unsynced < this.last) {
      let acks = this.last - unsynced;
      if (this.resync === 'sync') {
        this.resync = undefined;
        acks -= 1;
      }
      for (const token of this.outstanding.splice(0, acks)) this.acknowledged.add(token);
    }
    this.last = unsynced;
  }

  get text(): string {
    return this.client.text.toString();
  }
}

const everyoneSees = async (typists: Typist[], tokens: string[], what: string) =>
  eventually(
    () => typists.every((t) => t.client.provider.isSynced && tokens.every((token) => t.text.includes(token))),
    what,
    30_000,
  );

describe('several nodes share documents through Redis', () => {
  it('carries edits and presence from a client on node A to a client on node B', async () => {
    const { servers } = await cluster(2);
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const token = await a.token({ sub: 'u1', tid: 't_acme', roles: ['participant'] });
    // A POC document: dojo documents stamp presence from the token (tested with the dojo rules).
    const onA = connect({ url: a.wsUrl, name: 't_acme/poc/x/notes', token });
    const onB = connect({ url: b.wsUrl, name: 't_acme/poc/x/notes', token });
    cleanups.push(async () => (onA.destroy(), onB.destroy()));
    await Promise.all([synced(onA), synced(onB)]);

    onA.text.insert(0, 'typed on A');
    await eventually(() => onB.text.toString() === 'typed on A', 'edit crosses nodes');
    onA.provider.setAwarenessField('user', { name: 'Ada', cursor: 3 });
    await eventually(
      () =>
        [...onB.provider.awareness!.getStates().values()].some(
          (s) => (s as { user?: { name: string } }).user?.name === 'Ada',
        ),
      'presence crosses nodes',
    );
  });

  it('keeps every acknowledged edit when one of three nodes is killed while 20 clients type', async () => {
    const { servers } = await cluster(3);
    const balancer = await TcpProxy.start(servers.map((s) => s.port));
    cleanups.push(() => balancer.close());
    const token = await servers[0]!.token({ sub: 'u', tid: 't_acme', roles: ['participant'] });
    const typists = Array.from(
      { length: 20 },
      (_, i) => new Typist(`c${i}`, `ws://127.0.0.1:${balancer.port}/collab`, 't_acme/dojo/kill/code', token),
    );
    await Promise.all(typists.map((t) => synced(t.client)));

    const typeRound = async (rounds: number) => {
      for (let r = 0; r < rounds; r++) {
        for (const t of typists) t.type();
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    };
    await typeRound(10);
    await servers[2]!.kill();
    balancer.setUpstreams(servers.slice(0, 2).map((s) => s.port));
    await typeRound(10);

    const acknowledged = typists.flatMap((t) => [...t.acknowledged]);
    expect(acknowledged.length).toBeGreaterThan(100);
    await everyoneSees(
      typists,
      typists.flatMap((t) => t.typed),
      'all clients converge on every edit',
    );
    const texts = new Set(typists.map((t) => t.text));
    expect(texts.size).toBe(1);

    const late = connect({ url: servers[0]!.wsUrl, name: 't_acme/dojo/kill/code', token });
    cleanups.push(async () => late.destroy());
    await synced(late);
    for (const token of acknowledged) expect(late.text.toString()).toContain(token);
  });

  it('converges after Redis is stopped and restarted mid-session', async () => {
    const redis = await RedisProcess.start();
    cleanups.push(() => redis.stop());
    const { servers } = await cluster(2, { redisUrl: redis.url });
    const token = await servers[0]!.token({ sub: 'u', tid: 't_acme', roles: ['participant'] });
    const typists = servers.flatMap((s, n) =>
      [0, 1].map((i) => new Typist(`n${n}c${i}`, s.wsUrl, 't_acme/dojo/redis/code', token)),
    );
    await Promise.all(typists.map((t) => synced(t.client)));
    for (const t of typists) t.type();
    await everyoneSees(
      typists,
      typists.flatMap((t) => t.typed),
      'before the outage',
    );

    await redis.stop();
    await eventually(
      async () => (await fetch(`${servers[0]!.httpUrl}/readyz`)).status === 503,
      'readyz reports Redis down',
    );
    for (let r = 0; r < 5; r++) for (const t of typists) t.type();
    // Clients of the same node still see each other while Redis is down.
    await eventually(
      () => typists[0]!.typed.every((token) => typists[1]!.text.includes(token)),
      'local fan-out goes on',
    );

    await redis.launch();
    await everyoneSees(
      typists,
      typists.flatMap((t) => t.typed),
      'every node converges after Redis returns',
    );
    await eventually(async () => (await fetch(`${servers[0]!.httpUrl}/readyz`)).ok, 'readyz recovers');
  });

  it('converges when Redis pub/sub drops messages', async () => {
    const redis = await RedisProcess.start();
    cleanups.push(() => redis.stop());
    const { servers } = await cluster(2, { redisUrl: redis.url });
    const token = await servers[0]!.token({ sub: 'u', tid: 't_acme', roles: ['participant'] });
    const onA = new Typist('a', servers[0]!.wsUrl, 't_acme/dojo/drop/code', token);
    const onB = new Typist('b', servers[1]!.wsUrl, 't_acme/dojo/drop/code', token);
    await Promise.all([synced(onA.client), synced(onB.client)]);

    // Cut every subscriber connection while A types: what Redis published meanwhile is gone for good.
    const admin = new Redis(redis.url);
    cleanups.push(async () => admin.disconnect());
    for (let i = 0; i < 20; i++) {
      await admin.client('KILL', 'TYPE', 'pubsub');
      onA.type();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Healed by the state-vector exchange on resubscribe or by the log repair, whichever comes first;
    // sync/test/log-repair.test.ts shows the repair alone.
    await everyoneSees([onA, onB], onA.typed, 'B catches up');
  });

  it('acknowledges nothing while Postgres is unreachable, and everything once it is back', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const direct = new URL(database.url);
    const cable = await TcpProxy.start([Number(direct.port || 5432)]);
    cleanups.push(() => cable.close());
    const viaCable = new URL(database.url);
    viaCable.port = String(cable.port);
    const server = await ServerProcess.start({ databaseUrl: viaCable.toString() });
    cleanups.push(() => server.stop());
    const token = await server.token({ sub: 'u', tid: 't_acme', roles: ['participant'] });
    const writer = new Typist('w', server.wsUrl, 't_acme/dojo/pg/code', token);
    const reader = connect({ url: server.wsUrl, name: 't_acme/dojo/pg/code', token });
    cleanups.push(async () => reader.destroy());
    await Promise.all([synced(writer.client), synced(reader)]);
    writer.type();
    await eventually(() => writer.acknowledged.size === 1, 'first edit acknowledged');

    cable.cut();
    for (let i = 0; i < 5; i++) writer.type();
    await eventually(() => writer.typed.every((t) => reader.text.toString().includes(t)), 'peers still see the edits');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(writer.acknowledged.size).toBe(1);
    expect(writer.client.provider.unsyncedChanges).toBeGreaterThan(0);

    cable.mend();
    // Acknowledged = nothing left unsynced (a reconnect in between acknowledges the resync as a whole).
    await eventually(
      () => writer.client.provider.unsyncedChanges === 0,
      'all edits acknowledged after Postgres returns',
      30_000,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}\nserver log:\n${server.logs.slice(-40).join('\n')}`);
    });
    await server.kill();
    const restarted = await ServerProcess.start({ dataDir: server.options.dataDir, databaseUrl: database.url });
    cleanups.push(() => restarted.stop());
    const check = connect({ url: restarted.wsUrl, name: 't_acme/dojo/pg/code', token });
    cleanups.push(async () => check.destroy());
    await synced(check);
    for (const t of writer.typed) expect(check.text.toString()).toContain(t);
  });

  it('drains a node on SIGTERM: its clients move to another node and lose nothing', async () => {
    const { servers } = await cluster(2);
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const balancer = await TcpProxy.start([a.port, b.port]);
    cleanups.push(() => balancer.close());
    const token = await a.token({ sub: 'u', tid: 't_acme', roles: ['participant'] });
    const typists = Array.from(
      { length: 6 },
      (_, i) => new Typist(`d${i}`, `ws://127.0.0.1:${balancer.port}/collab`, 't_acme/dojo/drain/code', token),
    );
    await Promise.all(typists.map((t) => synced(t.client)));
    for (let r = 0; r < 5; r++) for (const t of typists) t.type();

    const stopping = a.stop();
    balancer.setUpstreams([b.port]);
    for (let r = 0; r < 5; r++) {
      for (const t of typists) t.type();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await stopping).toBe(0);
    await everyoneSees(
      typists,
      typists.flatMap((t) => t.typed),
      'clients reconnected to B converge',
    );
    await eventually(() => typists.every((t) => t.client.provider.unsyncedChanges === 0), 'everything acknowledged');
  });
});
