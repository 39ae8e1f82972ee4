import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { changes, revertOf } from '../../src/dojo/edit-guard.ts';

/** Undoing a refused update: the server's content comes back on both sides, and nothing is left to resend. */
function refused(server: Y.Doc, edit: (client: Y.Doc) => void) {
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  const updates: Uint8Array[] = [];
  client.on('update', (update: Uint8Array) => updates.push(update));
  edit(client);
  const update = Y.mergeUpdates(updates);
  const revert = revertOf(server, update);
  if (!revert) throw new Error('no revert');
  Y.applyUpdate(server, revert);
  Y.applyUpdate(client, revert);
  return { client, update };
}

function codeDoc(): Y.Doc {
  const doc = new Y.Doc();
  doc.getMap<Y.Text>('files').set('main.ts', new Y.Text('hello world'));
  doc.getArray('messages').push([{ id: 'm1' }]);
  doc.getMap('state').set('driverId', 'ann');
  return doc;
}

describe('undoing a refused update', () => {
  it('removes inserted text and restores deleted text', () => {
    const server = codeDoc();
    const { client, update } = refused(server, (doc) => {
      const file = doc.getMap<Y.Text>('files').get('main.ts');
      file?.delete(0, 6);
      file?.insert(0, 'bye ');
    });
    expect(server.getMap('files').toJSON()).toEqual({ 'main.ts': 'hello world' });
    expect(client.getMap('files').toJSON()).toEqual({ 'main.ts': 'hello world' });
    expect(changes(server, update)).toBe(false);
  });

  it('removes a pushed array entry and restores an overwritten map value', () => {
    const server = codeDoc();
    const { client } = refused(server, (doc) => {
      doc.getArray('messages').push([{ id: 'forged' }]);
      doc.getMap('state').set('driverId', 'mallory');
      doc.getMap<Y.Text>('files').set('new.ts', new Y.Text('x'));
    });
    for (const doc of [server, client]) {
      expect(doc.getArray('messages').toJSON()).toEqual([{ id: 'm1' }]);
      expect(doc.getMap('state').toJSON()).toEqual({ driverId: 'ann' });
      expect(doc.getMap('files').toJSON()).toEqual({ 'main.ts': 'hello world' });
    }
  });

  it('undoes writes to root types the server has never seen', () => {
    const server = codeDoc();
    const { client } = refused(server, (doc) => {
      doc.getText('other').insert(0, 'sneaky');
      doc.getArray('list').push([1]);
    });
    expect(client.getText('other').toString()).toBe('');
    expect(client.getArray('list').length).toBe(0);
  });

  it('tells an update with news from one the server already has', () => {
    const server = codeDoc();
    expect(changes(server, Y.encodeStateAsUpdate(server))).toBe(false);
  });
});
