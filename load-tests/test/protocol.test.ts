/**
 * The load generators' encoder and decoder against the reference implementations: Hocuspocus's own
 * `OutgoingMessage` and y-protocols. A mismatch here would make every benchmark figure meaningless.
 */
import { OutgoingMessage } from '@hocuspocus/server';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { Awareness, applyAwarenessUpdate } from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { decodeMessage, encodeAuth, encodeSyncStep1, encodeUpdate, type Framing } from '../src/protocol.ts';
import { encodeAwarenessUpdate } from '@pocdojo/shared/awareness-update';

const documentName = 't_bench/dojo/d1/code';
const framing: Framing = { kind: 'hocuspocus', documentName };

function typedDoc(text: string): Y.Doc {
  const doc = new Y.Doc();
  doc.getText('code').insert(0, text);
  return doc;
}

describe('the load generators speak the Hocuspocus protocol', () => {
  it('encode sync step 1 as y-protocols does, behind the document name', () => {
    const doc = typedDoc('kata');
    const expected = encoding.createEncoder();
    encoding.writeVarString(expected, documentName);
    encoding.writeVarUint(expected, 0);
    syncProtocol.writeSyncStep1(expected, doc);
    expect(encodeSyncStep1(framing, Y.encodeStateVector(doc))).toEqual(encoding.toUint8Array(expected));
  });

  it('encode the token message as the provider does: address, auth, token kind, token', () => {
    const decoder = decoding.createDecoder(encodeAuth(documentName, 'jwt'));
    expect(decoding.readVarString(decoder)).toBe(documentName);
    expect(decoding.readVarUint(decoder)).toBe(2);
    expect(decoding.readVarUint(decoder)).toBe(0);
    expect(decoding.readVarString(decoder)).toBe('jwt');
  });

  it('decode what a Hocuspocus server sends', () => {
    const doc = typedDoc('fizzbuzz');
    const update = Y.encodeStateAsUpdate(doc);
    expect(
      decodeMessage('hocuspocus', new OutgoingMessage(documentName).writeAuthenticated(false).toUint8Array()),
    ).toEqual({
      address: documentName,
      message: { type: 'authenticated', scope: 'read-write' },
    });
    expect(decodeMessage('hocuspocus', new OutgoingMessage(documentName).writeSyncStatus(true).toUint8Array())).toEqual(
      {
        address: documentName,
        message: { type: 'sync-status', applied: true },
      },
    );
    const updateFrame = new OutgoingMessage(documentName).createSyncMessage().writeUpdate(update).toUint8Array();
    expect(decodeMessage('hocuspocus', updateFrame).message).toEqual({ type: 'update', update });
    expect(encodeUpdate(framing, update)).toEqual(updateFrame);
    const denied = new OutgoingMessage(documentName).writePermissionDenied('forbidden').toUint8Array();
    expect(decodeMessage('hocuspocus', denied).message).toEqual({ type: 'permission-denied', reason: 'forbidden' });
  });

  it('encode awareness updates that y-protocols applies', () => {
    const awareness = new Awareness(new Y.Doc());
    const state = { user: { name: 'typist 1' }, cursor: { anchor: 3, head: 3 } };
    applyAwarenessUpdate(awareness, encodeAwarenessUpdate([{ clientId: 42, clock: 1, state }]), 'test');
    expect(awareness.getStates().get(42)).toEqual(state);
    awareness.destroy();
  });
});
