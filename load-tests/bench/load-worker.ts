/**
 * A load-generator thread: it holds a share of the clients of a scenario so the client work is spread over
 * threads of the bench process, never inside the server under test. The main thread drives it with
 * `WorkerCommand`s and gets `WorkerReply`s back.
 *
 * Latency bookkeeping: writers give their Y.Doc the client id `writerClientBase + writerIndex` and type one
 * character per edit, so edit k of a writer is the item with clock k. Before sending it a writer stores the
 * send instant (CLOCK_MONOTONIC, the same in every thread) at `sendTimes[writerIndex * maxEdits + k]`; a
 * client receiving an update reads the clock range it covers (`Y.parseUpdateMeta`) and looks the send
 * instants up. Coalesced updates covering several edits count once per edit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as Y from 'yjs';
import { encodeAwarenessUpdate } from '@pocdojo/shared/awareness-update';
import { CollabClient, JoinError } from './collab-client.ts';
import { SampleBuffer } from './statistics.ts';
import { workerCommandSchema, writerClientBase, type ClientSpec, type WorkerReply } from './worker-protocol.ts';

const { sendTimesBuffer, maxEdits, writerCount } = workerData as {
  sendTimesBuffer: SharedArrayBuffer;
  maxEdits: number;
  writerCount: number;
};
const sendTimes = new BigInt64Array(sendTimesBuffer);
const now = (): bigint => process.hrtime.bigint();

interface Participant {
  spec: ClientSpec;
  client: CollabClient;
  /** Per writer, the first clock not yet received. */
  seen: Int32Array;
  /** Send instants of this writer's updates still waiting for their sync status. */
  pendingAcks: bigint[];
  sent: number;
  timer: NodeJS.Timeout | undefined;
}

const participants: Participant[] = [];
const latencies = new SampleBuffer();
const ackLatencies = new SampleBuffer();
const joinTimes = { connect: new SampleBuffer(), sync: new SampleBuffer() };
const joinErrors: string[] = [];
let joinErrorCount = 0;
let droppedAfterJoin = 0;
let delivered = 0;
let duplicates = 0;

function recordDelivery(spec: ClientSpec, seen: Int32Array, update: Uint8Array): void {
  const receivedAt = now();
  const { from, to } = Y.parseUpdateMeta(update);
  for (const [clientId, first] of from) {
    const writer = clientId - writerClientBase;
    if (writer < 0 || writer >= writerCount || writer === spec.writerIndex) continue;
    const end = to.get(clientId) ?? first;
    const start = Math.max(first, seen[writer] ?? 0);
    duplicates += start - first;
    for (let clock = start; clock < end && clock < maxEdits; clock++) {
      const sentAt = Atomics.load(sendTimes, writer * maxEdits + clock);
      latencies.push(Number(receivedAt - sentAt) / 1000);
      delivered++;
    }
    if (end > (seen[writer] ?? 0)) seen[writer] = end;
  }
}

function createParticipant(spec: ClientSpec): Participant {
  let doc: Y.Doc | undefined;
  if (spec.role === 'writer' || spec.holdDocument) {
    doc = new Y.Doc();
    if (spec.writerIndex !== undefined) doc.clientID = writerClientBase + spec.writerIndex;
  }
  const seen = new Int32Array(writerCount);
  const pendingAcks: bigint[] = [];
  const client = new CollabClient(spec.endpoint, doc, {
    onUpdate: (update) => recordDelivery(spec, seen, update),
    onAck: () => {
      const sentAt = pendingAcks.shift();
      if (sentAt !== undefined) ackLatencies.push(Number(now() - sentAt) / 1000);
    },
    onClose: () => droppedAfterJoin++,
  });
  return { spec, client, seen, pendingAcks, sent: 0, timer: undefined };
}

async function join(specs: ClientSpec[], concurrency: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < specs.length) {
      const participant = createParticipant(specs[next++] as ClientSpec);
      try {
        const timing = await participant.client.join();
        joinTimes.connect.push(timing.connectMs);
        joinTimes.sync.push(timing.syncMs);
        participants.push(participant);
      } catch (error) {
        joinErrorCount++;
        if (joinErrors.length < 5) joinErrors.push(error instanceof JoinError ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, lane));
}

/** Types `edits` characters at `editsPerSecond` on a fixed schedule (no drift from slow ticks). */
function startTyping(participant: Participant): void {
  const { spec, client } = participant;
  const doc = client.doc;
  if (spec.role !== 'writer' || !doc || spec.writerIndex === undefined) return;
  const text = doc.getText('code');
  const interval = 1000 / spec.editsPerSecond;
  const startedAt = performance.now();
  let pendingUpdate: Uint8Array | undefined;
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== 'server') pendingUpdate = update;
  });
  const tick = () => {
    if (participant.sent >= spec.edits) return;
    const clock = Y.getState(doc.store, doc.clientID);
    text.insert(text.length, String.fromCharCode(97 + (clock % 26)));
    const update = pendingUpdate;
    pendingUpdate = undefined;
    if (update && clock < maxEdits) {
      const sentAt = now();
      Atomics.store(sendTimes, (spec.writerIndex as number) * maxEdits + clock, sentAt);
      if (spec.endpoint.dialect === 'hocuspocus') participant.pendingAcks.push(sentAt);
      client.sendUpdate(update);
      if (spec.awareness) {
        const cursor = { anchor: text.length, head: text.length };
        const state = { user: { name: `typist ${spec.writerIndex}` }, cursor };
        client.sendAwareness(encodeAwarenessUpdate([{ clientId: doc.clientID, clock: clock + 1, state }]));
      }
    }
    participant.sent++;
    const due = startedAt + participant.sent * interval;
    participant.timer = setTimeout(tick, Math.max(0, due - performance.now()));
  };
  tick();
}

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(message, transfer);
}

parentPort?.on('message', async (raw: unknown) => {
  const command = workerCommandSchema.parse(raw);
  switch (command.type) {
    case 'join':
      await join(command.clients, command.concurrency);
      return reply({ type: 'joined', joined: participants.length, errors: joinErrorCount });
    case 'type':
      for (const participant of participants) startTyping(participant);
      return reply({ type: 'typing' });
    case 'progress':
      return reply({ type: 'progress', delivered, sent: participants.reduce((sum, p) => sum + p.sent, 0) });
    case 'report': {
      const samples = latencies.toFloat64Array();
      const acks = ackLatencies.toFloat64Array();
      const connect = joinTimes.connect.toFloat64Array();
      const sync = joinTimes.sync.toFloat64Array();
      return reply(
        {
          type: 'report',
          joined: participants.length,
          joinErrors: joinErrorCount,
          joinErrorSamples: joinErrors,
          droppedAfterJoin,
          sent: participants.reduce((sum, p) => sum + p.sent, 0),
          delivered,
          duplicates,
          latenciesUs: samples,
          ackLatenciesUs: acks,
          connectMs: connect,
          syncMs: sync,
        },
        [
          samples.buffer as ArrayBuffer,
          acks.buffer as ArrayBuffer,
          connect.buffer as ArrayBuffer,
          sync.buffer as ArrayBuffer,
        ],
      );
    }
    case 'close':
      for (const participant of participants) {
        clearTimeout(participant.timer);
        participant.client.close();
      }
      participants.length = 0;
      return reply({ type: 'closed' });
  }
});
