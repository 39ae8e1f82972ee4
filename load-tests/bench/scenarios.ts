/**
 * The scenarios of the side-by-side benchmark. Each runs against servers already started by the caller and
 * returns plain figures; nothing here decides whether a figure is good.
 */
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { CollabClient } from './collab-client.ts';
import { LoadGenerators } from './load-generators.ts';
import { sourceAddressOf } from './open-files.ts';
import { benchDocument, type CpuSplit, type ServerUnderTest } from './server-under-test.ts';
import { distribution, type Distribution } from './statistics.ts';
import type { ClientSpec } from './worker-protocol.ts';

export interface RoomLoad {
  /** Independent documents, each with the same population. */
  documents: number;
  writersPerDocument: number;
  readersPerDocument: number;
  editsPerSecond: number;
  durationSeconds: number;
  /** Writers send a cursor (awareness) update with each edit. */
  awareness: boolean;
  /**
   * `dojo`: each document is a dojo's code document, so on our server the dojo rules run as in a dojo (the
   * room opened with its control document, the edit guard on every update, presence stamped, the typists
   * registered as participants); a peer sees only another name. `room`: a plain document.
   */
  kind: 'room' | 'dojo';
  threads: number;
}

export interface DeliveryResult {
  connections: number;
  joinErrors: number;
  joinErrorSamples: string[];
  droppedAfterJoin: number;
  sent: number;
  /** Each edit counts once per client in the room other than its writer. */
  expected: number;
  delivered: number;
  duplicates: number;
  latencyMs: Distribution | undefined;
  ackLatencyMs: Distribution | undefined;
  syncMs: Distribution | undefined;
  serverCpuSeconds: number;
  /** Server CPU (every node involved) over the typing phase divided by deliveries. */
  cpuMicrosecondsPerDelivery: number;
  /** The same, split into kernel, main-thread and helper-thread time. */
  cpuSplitMicrosecondsPerDelivery: CpuSplit;
  wallSeconds: number;
}

const usToMs = (d: Distribution | undefined): Distribution | undefined =>
  d && { count: d.count, p50: d.p50 / 1000, p99: d.p99 / 1000, max: d.max / 1000 };

/** CPU seconds of every node involved, part by part. */
function cpuOf(nodes: ServerUnderTest[]): CpuSplit {
  const split: CpuSplit = { kernel: 0, mainThread: 0, helperThreads: 0 };
  for (const node of nodes) {
    const { cpu } = node.usage();
    split.kernel += cpu.kernel;
    split.mainThread += cpu.mainThread;
    split.helperThreads += cpu.helperThreads;
  }
  return split;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writers type into every document while the other clients receive. With `readerNode` set, readers connect to
 * that node and writers to `writerNode`: the cross-node path through Redis.
 */
export async function measureDelivery(
  load: RoomLoad,
  writerNode: ServerUnderTest,
  readerNode: ServerUnderTest = writerNode,
  runId = `${Date.now().toString(36)}`,
): Promise<DeliveryResult> {
  const clients = load.documents * (load.readersPerDocument + load.writersPerDocument);
  await writerNode.prepareClients(clients);
  await readerNode.prepareClients(clients);
  const writers = load.documents * load.writersPerDocument;
  const editsPerWriter = Math.round(load.editsPerSecond * load.durationSeconds);
  const generators = LoadGenerators.start(load.threads, writers, editsPerWriter);
  const readerThreads = load.threads > 1 ? load.threads - 1 : 1;
  const readerSpecs: ClientSpec[][] = Array.from({ length: load.threads }, () => []);
  const writerSpecs: ClientSpec[][] = Array.from({ length: load.threads }, () => []);
  let next = 0;
  let client = 0;
  for (let d = 0; d < load.documents; d++) {
    const name = benchDocument(load.kind, `${runId}-${d}`);
    for (let r = 0; r < load.readersPerDocument; r++) {
      const thread = load.threads > 1 ? 1 + (next++ % readerThreads) : 0;
      readerSpecs[thread]?.push({
        role: 'reader',
        endpoint: readerNode.endpoint(name, client++),
        holdDocument: false,
      });
    }
    for (let w = 0; w < load.writersPerDocument; w++) {
      writerSpecs[0]?.push({
        role: 'writer',
        endpoint: writerNode.endpoint(name, client++),
        holdDocument: true,
        writerIndex: d * load.writersPerDocument + w,
        editsPerSecond: load.editsPerSecond,
        edits: editsPerWriter,
        awareness: load.awareness,
      });
    }
  }
  const nodes = readerNode === writerNode ? [writerNode] : [writerNode, readerNode];
  try {
    await generators.join(readerSpecs, 64);
    await generators.join(writerSpecs, 16);
    const roomSize = load.readersPerDocument + load.writersPerDocument;
    const expected = writers * editsPerWriter * (roomSize - 1);
    const cpuBefore = cpuOf(nodes);
    const startedAt = performance.now();
    await generators.type();
    let lastDelivered = -1;
    let quietSince = performance.now();
    for (;;) {
      await sleep(250);
      const { delivered, sent } = await generators.progress();
      if (sent >= writers * editsPerWriter && delivered >= expected) break;
      if (delivered !== lastDelivered) {
        lastDelivered = delivered;
        quietSince = performance.now();
      } else if (sent >= writers * editsPerWriter && performance.now() - quietSince > 5000) {
        break;
      }
    }
    const wallSeconds = (performance.now() - startedAt) / 1000;
    const cpu = cpuOf(nodes);
    const spent = (part: keyof CpuSplit) => cpu[part] - cpuBefore[part];
    const serverCpuSeconds = spent('kernel') + spent('mainThread') + spent('helperThreads');
    const reports = await generators.report();
    const delivered = reports.reduce((sum, r) => sum + r.delivered, 0);
    const perDelivery = (seconds: number) => (delivered > 0 ? (seconds * 1e6) / delivered : Number.NaN);
    return {
      connections: reports.reduce((sum, r) => sum + r.joined, 0),
      joinErrors: reports.reduce((sum, r) => sum + r.joinErrors, 0),
      joinErrorSamples: reports.flatMap((r) => r.joinErrorSamples).slice(0, 5),
      droppedAfterJoin: reports.reduce((sum, r) => sum + r.droppedAfterJoin, 0),
      sent: reports.reduce((sum, r) => sum + r.sent, 0),
      expected,
      delivered,
      duplicates: reports.reduce((sum, r) => sum + r.duplicates, 0),
      latencyMs: usToMs(distribution(reports.map((r) => r.latenciesUs))),
      ackLatencyMs: usToMs(distribution(reports.map((r) => r.ackLatenciesUs))),
      syncMs: distribution(reports.map((r) => r.syncMs)),
      serverCpuSeconds,
      cpuMicrosecondsPerDelivery: perDelivery(serverCpuSeconds),
      cpuSplitMicrosecondsPerDelivery: {
        kernel: perDelivery(spent('kernel')),
        mainThread: perDelivery(spent('mainThread')),
        helperThreads: perDelivery(spent('helperThreads')),
      },
      wallSeconds,
    };
  } finally {
    await generators.close();
  }
}

export interface ConnectionsResult {
  requested: number;
  connected: number;
  joinErrors: number;
  /** The first few join failures, as the clients saw them. */
  joinErrorSamples: string[];
  droppedAfterJoin: number;
  connectMs: Distribution | undefined;
  syncMs: Distribution | undefined;
  /**
   * The same split: the first fifth of the joins, which open every document (each loaded from the database),
   * and the rest, which join documents already open. A slow load shows in the first.
   */
  openingSyncMs: Distribution | undefined;
  joiningSyncMs: Distribution | undefined;
  /**
   * JS heap (after a forced full GC) and RSS growth per connection, measured as the marginal cost: from the
   * first fifth of the connections to all of them, so what a server loads once on its first clients (lazy
   * modules, a document's state, pools) is not spread over the connections. Heap only when started to inspect.
   */
  heapBytesPerConnection: number | undefined;
  rssBytesPerConnection: number;
  serverRssBytes: number;
  /**
   * Server CPU over the joins after the first fifth (every document already loaded by then) divided by
   * those joins, split as in the delivery scenarios: what one join costs, which wall-clock sync times on a
   * shared machine show only through the noise.
   */
  cpuMicrosecondsPerJoin: number;
  cpuSplitMicrosecondsPerJoin: CpuSplit;
}

/** Opens `connections` synced, silent clients over `documents` documents and holds them for `holdSeconds`. */
export async function measureConnections(
  server: ServerUnderTest,
  options: { connections: number; documents: number; holdSeconds: number; threads: number; inspect: boolean },
  runId = `${Date.now().toString(36)}`,
): Promise<ConnectionsResult> {
  await server.prepareClients(options.connections);
  const generators = LoadGenerators.start(options.threads, 0, 0);
  const first: ClientSpec[][] = Array.from({ length: options.threads }, () => []);
  const rest: ClientSpec[][] = Array.from({ length: options.threads }, () => []);
  const firstCount = Math.ceil(options.connections / 5);
  for (let c = 0; c < options.connections; c++) {
    const name = benchDocument('idle', `${runId}-${c % options.documents}`);
    const localAddress = sourceAddressOf(c, options.connections);
    (c < firstCount ? first : rest)[c % options.threads]?.push({
      role: 'reader',
      endpoint: { ...server.endpoint(name, c), ...(localAddress ? { localAddress } : {}) },
      holdDocument: false,
    });
  }
  const joined = async () => (await generators.report()).reduce((sum, r) => sum + r.joined, 0);
  try {
    await generators.join(first, 64);
    const opening = (await generators.report()).map((r) => r.syncMs);
    await sleep(options.holdSeconds * 1000);
    const connectedBefore = await joined();
    const heapBefore = options.inspect ? await server.heapAfterGc() : undefined;
    const rssBefore = server.usage().rssBytes;
    const cpuBefore = cpuOf([server]);
    await generators.join(rest, 64);
    const cpuAfter = cpuOf([server]);
    await sleep(options.holdSeconds * 1000);
    const heapAfter = options.inspect ? await server.heapAfterGc() : undefined;
    const rssAfter = server.usage().rssBytes;
    const reports = await generators.report();
    const connected = reports.reduce((sum, r) => sum + r.joined, 0);
    const added = connected - connectedBefore;
    const perJoin = (part: keyof CpuSplit) => (added > 0 ? ((cpuAfter[part] - cpuBefore[part]) * 1e6) / added : NaN);
    return {
      requested: options.connections,
      connected,
      joinErrors: reports.reduce((sum, r) => sum + r.joinErrors, 0),
      joinErrorSamples: reports.flatMap((r) => r.joinErrorSamples).slice(0, 5),
      droppedAfterJoin: reports.reduce((sum, r) => sum + r.droppedAfterJoin, 0),
      connectMs: distribution(reports.map((r) => r.connectMs)),
      syncMs: distribution(reports.map((r) => r.syncMs)),
      openingSyncMs: distribution(opening),
      // Each thread's samples are in join order, the opening joins first.
      joiningSyncMs: distribution(reports.map((r, thread) => r.syncMs.slice(opening[thread]?.length ?? 0))),
      heapBytesPerConnection:
        heapBefore !== undefined && heapAfter !== undefined && added > 0 ? (heapAfter - heapBefore) / added : undefined,
      rssBytesPerConnection: added > 0 ? (rssAfter - rssBefore) / added : Number.NaN,
      serverRssBytes: rssAfter,
      cpuMicrosecondsPerJoin: perJoin('kernel') + perJoin('mainThread') + perJoin('helperThreads'),
      cpuSplitMicrosecondsPerJoin: {
        kernel: perJoin('kernel'),
        mainThread: perJoin('mainThread'),
        helperThreads: perJoin('helperThreads'),
      },
    };
  } finally {
    await generators.close();
  }
}

export interface LargeDocumentResult {
  documentBytes: number;
  joins: number;
  /** From opening the socket to the new client holding the whole document (applied). */
  syncMs: Distribution | undefined;
}

/**
 * A writer fills one document with `bytes` of text (in chunks, as a paste-heavy session would), stays
 * connected so the document is warm, then new clients join one after another and time their full sync.
 */
export async function measureLargeDocumentSync(
  server: ServerUnderTest,
  options: { bytes: number; joins: number; chunkBytes: number },
  runId = `${Date.now().toString(36)}`,
): Promise<LargeDocumentResult> {
  const name = benchDocument('large', runId);
  const endpoint = server.endpoint(name);
  let acks = 0;
  const writer = new CollabClient(endpoint, new Y.Doc(), { onAck: () => acks++ });
  await writer.join();
  const writerDoc = writer.doc as Y.Doc;
  const text = writerDoc.getText('code');
  const line = 'const answer = compute(input); // the kata keeps growing\n';
  let chunks = 0;
  writerDoc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== 'server') writer.sendUpdate(update);
  });
  while (text.length < options.bytes) {
    const size = Math.min(options.chunkBytes, options.bytes - text.length);
    text.insert(text.length, line.repeat(Math.ceil(size / line.length)).slice(0, size));
    chunks++;
    // Keep at most a few chunks in flight so a per-socket rate or buffer limit is respected.
    while (endpoint.dialect === 'hocuspocus' && chunks - acks > 4) await sleep(2);
  }
  while (endpoint.dialect === 'hocuspocus' && acks < chunks) await sleep(5);
  const syncTimes: number[] = [];
  try {
    for (let j = 0; j < options.joins; j++) {
      for (let attempt = 0; attempt < 50; attempt++) {
        const reader = new CollabClient(endpoint, new Y.Doc());
        const timing = await reader.join(120_000);
        const complete = (reader.doc as Y.Doc).getText('code').length >= options.bytes;
        reader.close();
        // y-websocket does not acknowledge updates: a joiner may arrive before the last chunks are applied.
        if (complete) {
          syncTimes.push(timing.syncMs);
          break;
        }
        await sleep(200);
      }
    }
  } finally {
    writer.close();
  }
  return {
    documentBytes: options.bytes,
    joins: syncTimes.length,
    syncMs: distribution([Float64Array.from(syncTimes)]),
  };
}
