import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { connect, synced, type TestProvider } from './support/providers.ts';
import { ServerProcess } from './support/server-process.ts';

const victimDocument = 't_acme/dojo/victim/code';
const fuzzDocument = 't_acme/dojo/fuzz/code';

/** Deterministic PRNG (mulberry32) so a failing run can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function frame(write: (e: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/** Valid frames of every client message type, the seeds the mutations start from. */
function validFrames(token: string): Uint8Array[] {
  const doc = new Y.Doc();
  doc.getText('code').insert(0, 'fuzz');
  const update = Y.encodeStateAsUpdate(doc);
  return [victimDocument, fuzzDocument].flatMap((address) => [
    frame(
      (e) => (
        encoding.writeVarString(e, address),
        encoding.writeVarUint(e, 2),
        encoding.writeVarUint(e, 0),
        encoding.writeVarString(e, token)
      ),
    ),
    frame(
      (e) => (
        encoding.writeVarString(e, address),
        encoding.writeVarUint(e, 0),
        encoding.writeVarUint(e, 0),
        encoding.writeVarUint8Array(e, Y.encodeStateVector(doc))
      ),
    ),
    frame(
      (e) => (
        encoding.writeVarString(e, address),
        encoding.writeVarUint(e, 0),
        encoding.writeVarUint(e, 2),
        encoding.writeVarUint8Array(e, update)
      ),
    ),
    frame(
      (e) => (
        encoding.writeVarString(e, address),
        encoding.writeVarUint(e, 0),
        encoding.writeVarUint(e, 1),
        encoding.writeVarUint8Array(e, update)
      ),
    ),
    frame((e) => {
      encoding.writeVarString(e, address);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint8Array(
        e,
        frame(
          (a) => (
            encoding.writeVarUint(a, 1),
            encoding.writeVarUint(a, 42),
            encoding.writeVarUint(a, 1),
            encoding.writeVarString(a, '{"user":{"name":"x"}}')
          ),
        ),
      );
    }),
    frame(
      (e) => (
        encoding.writeVarString(e, address),
        encoding.writeVarUint(e, 5),
        encoding.writeVarString(e, '{"hello":1}')
      ),
    ),
    frame((e) => (encoding.writeVarString(e, address), encoding.writeVarUint(e, 3))),
  ]);
}

function mutate(seed: Uint8Array, next: () => number): Uint8Array {
  const bytes = Uint8Array.from(seed);
  switch (Math.floor(next() * 6)) {
    case 0: // flip a few bits
      for (let i = 0; i < 1 + next() * 4; i++) bytes[Math.floor(next() * bytes.length)]! ^= 1 << Math.floor(next() * 8);
      return bytes;
    case 1: // truncate, often inside a varint or a length-prefixed field
      return bytes.slice(0, Math.floor(next() * bytes.length));
    case 2: // overwrite a byte with a varint continuation byte
      bytes[Math.floor(next() * bytes.length)] = 0x80 | Math.floor(next() * 128);
      return bytes;
    case 3: // pure noise
      return Uint8Array.from({ length: Math.floor(next() * 64) + 1 }, () => Math.floor(next() * 256));
    case 4: // unknown message type after a valid address
      return frame(
        (e) => (encoding.writeVarString(e, victimDocument), encoding.writeVarUint(e, 11 + Math.floor(next() * 200))),
      );
    default: // valid prefix followed by garbage
      return Uint8Array.from([...bytes, ...Array.from({ length: 8 }, () => Math.floor(next() * 256))]);
  }
}

describe('bad input closes only the offending connection', () => {
  let server: ServerProcess;
  let victim: TestProvider;
  const original = 'export const answer = 42;\n';

  beforeAll(async () => {
    server = await ServerProcess.onTestDatabase({
      env: { MAX_MESSAGE_BYTES: String(64 * 1024), MESSAGES_PER_SECOND: '100', MESSAGE_BURST: '200' },
    });
    victim = connect({
      url: server.wsUrl,
      name: victimDocument,
      token: await server.token({ sub: 'victim', tid: 't_acme', roles: ['participant'] }),
    });
    await synced(victim);
    victim.text.insert(0, original);
  });

  afterAll(async () => {
    victim?.destroy();
    await server?.dispose();
  });

  /** Opens a raw socket, sends frames until the server closes it (or all are sent), returns the close code. */
  async function blast(frames: Uint8Array[]): Promise<{ code: number | undefined; sent: number }> {
    const ws = new WebSocket(server.wsUrl);
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    let code: number | undefined;
    const closed = new Promise<void>((resolve) => ws.once('close', (c) => ((code = c), resolve())));
    let sent = 0;
    for (const f of frames) {
      if (ws.readyState !== WebSocket.OPEN) break;
      ws.send(f);
      sent++;
    }
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 300))]);
    ws.terminate();
    return { code, sent };
  }

  it('survives thousands of random and mutated frames and keeps the document intact', async () => {
    const seed = Date.now() % 1_000_000;
    const next = random(seed);
    // Authenticated as an observer on the victim document: valid-looking updates must still never land.
    const token = await server.token({ sub: 'fuzzer', tid: 't_acme', roles: ['observer'] });
    const seeds = validFrames(token);
    const codes = new Map<number | undefined, number>();
    let total = 0;
    for (let round = 0; round < 150; round++) {
      const frames = [
        seeds[0]!,
        ...Array.from({ length: 25 }, () => mutate(seeds[Math.floor(next() * seeds.length)]!, next)),
      ];
      const { code, sent } = await blast(frames);
      total += sent;
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    expect(total, `seed ${seed}`).toBeGreaterThan(2000);
    expect(codes.get(4400), `seed ${seed}: invalid frames closed with 4400`).toBeGreaterThan(50);

    expect((await fetch(`${server.httpUrl}/healthz`)).ok).toBe(true);
    const reader = connect({
      url: server.wsUrl,
      name: victimDocument,
      token: await server.token({ sub: 'reader', tid: 't_acme', roles: ['participant'] }),
    });
    await synced(reader);
    expect(reader.text.toString()).toBe(original);
    expect(victim.text.toString()).toBe(original);
    reader.destroy();
  });

  it('closes an oversized message with 1009 and a flood with 4429', async () => {
    const huge = frame(
      (e) => (
        encoding.writeVarString(e, fuzzDocument),
        encoding.writeVarUint(e, 5),
        encoding.writeVarString(e, 'x'.repeat(100_000))
      ),
    );
    expect((await blast([huge])).code).toBe(1009);

    const ping = frame((e) => (encoding.writeVarString(e, fuzzDocument), encoding.writeVarUint(e, 9)));
    expect((await blast(Array.from({ length: 1000 }, () => ping))).code).toBe(4429);
    expect((await fetch(`${server.httpUrl}/healthz`)).ok).toBe(true);
  });
});
