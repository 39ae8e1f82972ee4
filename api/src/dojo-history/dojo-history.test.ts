import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DojoRecords } from '@pocdojo/server/dojo/dojo-records';
import { createLogger } from '@pocdojo/shared';
import { codeFiles, codeLanguages } from '@pocdojo/shared/contract/dojo-code';
import { Compactor, UpdateLog } from '@pocdojo/sync';
import { call, signUp, startTestApi, type SignedUp, type TestApi } from '../../test/api-harness.ts';

/** Reads a tar archive back into path → text (ustar, regular files only). */
function untar(archive: Buffer): Record<string, string> {
  const tar = gunzipSync(archive);
  const files: Record<string, string> = {};
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) =>
      header.toString('utf8', start, start + length).replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const path = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = Number.parseInt(field(124, 12).trim(), 8);
    files[path] = tar.toString('utf8', at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

let api: TestApi;
let owner: SignedUp;
let stranger: SignedUp;
let dojoId: string;
let pocId: string;

beforeAll(async () => {
  api = await startTestApi();
  owner = await signUp(api.app, 'Dojo Corp');
  stranger = await signUp(api.app, 'Other Corp');
  const poc = await call<{ id: string }>(api.app, 'POST', '/api/v1/pocs', {
    token: owner.accessToken,
    body: { name: 'Bowling kata', language: 'typescript' },
  });
  pocId = poc.body.id;
  const dojo = await call<{ id: string }>(api.app, 'POST', '/api/v1/dojos', {
    token: owner.accessToken,
    body: { title: 'Friday Randori', format: 'randori', language: 'typescript', pocId },
  });
  dojoId = dojo.body.id;
  // What the WebSocket tier writes as the session runs: two rotations, the end, the summary.
  const records = new DojoRecords(api.database.db, 'node-test');
  const key = { tenantId: owner.tenant.id, dojoId };
  const start = Date.now() - 600_000;
  const turn = (n: number, reason: 'rotation' | 'end', text: string) =>
    records.claimTurnEnd(key, {
      turn: n,
      driverId: `u${n}`,
      navigatorId: `u${n + 1}`,
      reason,
      startedAt: start + (n - 1) * 300_000,
      endedAt: start + n * 300_000,
      files: { 'src/game.ts': { text, language: 'typescript' } },
    });
  expect(await turn(1, 'rotation', 'let score = 0;')).toBe('claimed');
  expect(await turn(2, 'rotation', 'let score = 0;\nroll(pins);')).toBe('claimed');
  expect(await turn(2, 'rotation', 'a second node ending turn 2 again')).toBe('taken');
  expect(await turn(3, 'end', 'let score = 0;\nroll(pins);\nscore += pins;')).toBe('claimed');
  await records.recordSession(key, 'randori', { participants: [{ userId: 'u1' }], chatCount: 7 });
});

afterAll(async () => {
  await api?.close();
});

describe('dojo history and export', () => {
  it('lists one entry per turn with its driver and times', async () => {
    const reply = await call<{ items: Array<Record<string, unknown>> }>(
      api.app,
      'GET',
      `/api/v1/dojos/${dojoId}/history`,
      {
        token: owner.accessToken,
      },
    );
    expect(reply.status).toBe(200);
    expect(reply.body.items.map((item) => [item.turn, item.driverId, item.reason])).toEqual([
      [1, 'u1', 'rotation'],
      [2, 'u2', 'rotation'],
      [3, 'u3', 'end'],
    ]);
  });

  it('returns the files as they were at the end of a turn', async () => {
    const reply = await call(api.app, 'GET', `/api/v1/dojos/${dojoId}/history/2`, { token: owner.accessToken });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      turn: 2,
      files: { 'src/game.ts': { text: 'let score = 0;\nroll(pins);', language: 'typescript' } },
    });
  });

  it('answers not_found for a turn without a snapshot', async () => {
    const reply = await call(api.app, 'GET', `/api/v1/dojos/${dojoId}/history/9`, { token: owner.accessToken });
    expect(reply.status).toBe(404);
  });

  it('exports the final files and a summary as a .tar.gz', async () => {
    const response = await api.app.inject({
      method: 'GET',
      url: `/api/v1/dojos/${dojoId}/export`,
      headers: { authorization: `Bearer ${owner.accessToken}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/gzip');
    const files = untar(response.rawPayload);
    expect(files['files/src/game.ts']).toBe('let score = 0;\nroll(pins);\nscore += pins;');
    const summary = JSON.parse(files['summary.json'] ?? '{}') as Record<string, unknown>;
    expect(summary).toMatchObject({ ended: true, chatCount: 7, dojo: { id: dojoId, pocId } });
    expect(summary.turns).toHaveLength(3);
  });

  it('exports the files as they are now while no turn has finished', async () => {
    const dojo = await call<{ id: string; documents: { code: string } }>(api.app, 'POST', '/api/v1/dojos', {
      token: owner.accessToken,
      body: { title: 'Warm-up', format: 'mob', language: 'typescript' },
    });
    // What the collaboration tier stores as people type: updates in the log, folded into a snapshot
    // now and then, more updates after it (which build on the snapshot's content).
    const log = new UpdateLog(api.database, 'node-test');
    const doc = new Y.Doc();
    let stored: Uint8Array = new Uint8Array([0]);
    const store = async () => {
      const update = Y.encodeStateAsUpdate(doc, stored);
      stored = Y.encodeStateVector(doc);
      await log.append([{ name: dojo.body.documents.code, tenantId: owner.tenant.id, update }]);
    };
    doc.transact(() => {
      codeFiles(doc).set('src/frame.ts', new Y.Text('export class Frame {}'));
      codeLanguages(doc).set('src/frame.ts', 'typescript');
    });
    await store();
    const compactor = new Compactor(api.database.db, log, createLogger({ level: 'silent', name: 'test' }));
    expect(await compactor.compact(dojo.body.documents.code)).toBe('compacted');
    codeFiles(doc).get('src/frame.ts')?.insert(21, '\n// one roll at a time');
    codeFiles(doc).set('NOTES.md', new Y.Text('strike: 10 + next two'));
    await store();

    const response = await api.app.inject({
      method: 'GET',
      url: `/api/v1/dojos/${dojo.body.id}/export`,
      headers: { authorization: `Bearer ${owner.accessToken}` },
    });
    expect(response.statusCode).toBe(200);
    const files = untar(response.rawPayload);
    expect(Object.keys(files).sort()).toEqual(['files/NOTES.md', 'files/src/frame.ts', 'summary.json']);
    expect(files['files/src/frame.ts']).toBe('export class Frame {}\n// one roll at a time');
    expect(files['files/NOTES.md']).toBe('strike: 10 + next two');
    expect(JSON.parse(files['summary.json'] ?? '{}')).toMatchObject({
      ended: false,
      turns: [],
      dojo: { id: dojo.body.id },
    });
  });

  it('does not export another tenant’s dojo', async () => {
    const response = await api.app.inject({
      method: 'GET',
      url: `/api/v1/dojos/${dojoId}/export`,
      headers: { authorization: `Bearer ${stranger.accessToken}` },
    });
    expect(response.statusCode).toBe(404);
  });

  it('records the ended session on the POC the dojo was opened on', async () => {
    const reply = await call<{ items: unknown[] }>(api.app, 'GET', `/api/v1/pocs/${pocId}/dojo-sessions`, {
      token: owner.accessToken,
    });
    expect(reply.body.items).toEqual([expect.objectContaining({ dojoId, pocId, format: 'randori' })]);
  });

  it('shows another tenant nothing', async () => {
    const history = await call(api.app, 'GET', `/api/v1/dojos/${dojoId}/history`, { token: stranger.accessToken });
    const sessions = await call<{ items: unknown[] }>(api.app, 'GET', `/api/v1/pocs/${pocId}/dojo-sessions`, {
      token: stranger.accessToken,
    });
    expect([history.status, sessions.body.items]).toEqual([404, []]);
  });
});
