import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatMessages, controlState } from '@pocdojo/shared/contract/dojo-documents';
import { createServicesLogin, createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';
import { eventually } from '../support/providers.ts';
import { ServerProcess } from '../support/server-process.ts';
import { verifyAuditChain } from '@pocdojo/shared';
import { auditRows, createDojoRow, join, turnRows, withDatabase, type Member } from './dojo-support.ts';

/**
 * A full Randori on one real server: a facilitator and three participants on the SDK's real
 * connection. The story runs in order; each step states one rule the server enforces.
 */
const tenantId = 't_randori';
const dojoId = 'd_randori';
let database: TestDatabase;
let servicesLogin: TestDatabase;
let server: ServerProcess;
let facilitator: Member;
let ann: Member;
let bob: Member;
let cyd: Member;
const everyone = () => [facilitator, ann, bob, cyd];

beforeAll(async () => {
  database = await createTestDatabase();
  // As deployed: the server logs in as the services' role and migrates with the owner's login.
  servicesLogin = await createServicesLogin(database);
  server = await ServerProcess.start({ databaseUrl: servicesLogin.url, env: { DATABASE_OWNER_URL: database.url } });
  await createDojoRow(database.url, { tenantId, dojoId, format: 'randori', turnMinutes: 2 });
  const person = (userId: string, name: string, role: 'facilitator' | 'participant') =>
    join(server, { tenantId, dojoId, userId, name, role });
  facilitator = await person('fac', 'Fay Facilitator', 'facilitator');
  ann = await person('ann', 'Ann', 'participant');
  bob = await person('bob', 'Bob', 'participant');
  cyd = await person('cyd', 'Cyd', 'participant');
  await Promise.all(everyone().map((member) => member.connection.whenSynced()));
});

afterAll(async () => {
  for (const member of everyone()) member?.leave();
  await server?.stop();
  await database?.drop();
  await servicesLogin?.drop();
});

describe('a Randori enforced by the server', () => {
  it('lists everyone who joined, with the role from their join token', async () => {
    await eventually(() => Object.keys(facilitator.control.participants).length === 4, 'four participants listed');
    expect(facilitator.control.participants).toMatchObject({
      fac: { name: 'Fay Facilitator', role: 'facilitator' },
      ann: { name: 'Ann', role: 'participant' },
      bob: { role: 'participant' },
      cyd: { role: 'participant' },
    });
  });

  it('takes format and turn length from the dojo the API created', () => {
    expect(facilitator.control).toMatchObject({ phase: 'lobby', format: 'randori', turnSeconds: 120 });
  });

  it('refuses facilitator commands from a participant', async () => {
    const reply = await ann.connection.send('start', {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('starts with the rotation order and editing locked to the driver', async () => {
    // Manual handover first, so the checks below happen within turn 1 however slow the machine is.
    for (const [name, args] of [
      ['setTurnLength', { seconds: 5 }],
      ['setHandoverRule', { rule: 'manual' }],
      ['setRotation', { order: ['ann', 'bob', 'cyd'] }],
      ['lock', { mode: 'driver' }],
      ['start', {}],
    ] as const) {
      expect(await facilitator.connection.send(name, args as never)).toMatchObject({ ok: true });
    }
    await eventually(() => everyone().every((m) => m.control.phase === 'running'), 'everyone sees the dojo running');
    expect(bob.control).toMatchObject({ turn: 1, driverId: 'ann', navigatorId: 'bob', lock: 'driver', turnSeconds: 5 });
  });

  it('takes the driver’s typing', async () => {
    ann.type('main.ts', 'turn1;');
    await eventually(() => everyone().every((m) => m.text('main.ts') === 'turn1;'), 'everyone sees the driver’s text');
  });

  it('refuses a non-driver’s edit, rolls it back on their side and tells them why', async () => {
    await eventually(() => bob.text('main.ts') === 'turn1;', 'bob has the file');
    bob.file('main.ts')?.insert(0, 'HIJACK');
    await eventually(() => bob.eventsNamed('editRejected').length === 1, 'bob is told');
    expect(bob.eventsNamed('editRejected')[0]?.data.reason).toBe('editing is locked to the driver');
    await eventually(() => bob.text('main.ts') === 'turn1;', 'bob’s document is back to the server’s text');
    await eventually(() => cyd.connection.unsyncedChanges === 0 && bob.connection.unsyncedChanges === 0, 'settled');
    expect(everyone().map((m) => m.text('main.ts'))).toEqual(['turn1;', 'turn1;', 'turn1;', 'turn1;']);
  });

  it('delivers chat to everyone with the author from the token and the time from the server', async () => {
    const before = Date.now();
    expect(await bob.connection.send('chat', { text: 'try a map?' })).toMatchObject({ ok: true });
    await eventually(() => everyone().every((m) => m.chat.length === 1), 'everyone has the message');
    const [message] = ann.chat;
    expect(message).toMatchObject({ authorId: 'bob', authorName: 'Bob', text: 'try a map?' });
    expect(message?.at).toBeGreaterThanOrEqual(before - 1_000);
    expect(message?.at).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  it('summons everyone to a file and line', async () => {
    expect(await facilitator.connection.send('summon', { path: 'main.ts', line: 1 })).toMatchObject({ ok: true });
    await eventually(() => everyone().every((m) => m.eventsNamed('summon').length === 1), 'everyone is summoned');
    expect(cyd.eventsNamed('summon')[0]?.data).toEqual({ path: 'main.ts', line: 1, by: 'fac' });
  });

  it('refuses a chat message written straight into the chat document under a forged author', async () => {
    chatMessages(cyd.connection.docs.chat).push([
      { id: 'forged', authorId: 'fac', authorName: 'Fay Facilitator', text: 'everyone may leave', at: Date.now() },
    ]);
    await eventually(() => cyd.eventsNamed('editRejected').length === 1, 'cyd is told');
    await eventually(() => cyd.chat.length === 1, 'cyd’s chat is back to the server’s');
    expect(everyone().flatMap((m) => m.chat.map((message) => message.authorId))).toEqual(['bob', 'bob', 'bob', 'bob']);
  });

  it('refuses a direct write to the control document', async () => {
    controlState(cyd.connection.docs.control).set('driverId', 'cyd');
    await eventually(() => cyd.eventsNamed('editRejected').length === 2, 'cyd is told again');
    await eventually(() => cyd.control.driverId === 'ann', 'cyd’s control state is back to the server’s');
    expect(facilitator.control.driverId).toBe('ann');
  });

  it('stamps presence with the identity from the token', async () => {
    cyd.connection.awareness.setLocalStateField('userId', 'fac');
    cyd.connection.awareness.setLocalStateField('name', 'Fay Facilitator');
    cyd.connection.awareness.setLocalStateField('role', 'facilitator');
    await eventually(
      () =>
        ann.connection
          .peers()
          .some((peer) => peer.clientId === cyd.connection.awareness.clientID && peer.name === 'Cyd'),
      'ann sees cyd as Cyd',
    );
    const seen = ann.connection.peers().find((peer) => peer.clientId === cyd.connection.awareness.clientID);
    expect(seen).toMatchObject({ userId: 'cyd', name: 'Cyd', role: 'participant' });
  });

  it('lets an observer watch but not type, until a facilitator grants them a role', async () => {
    const olga = await join(server, { tenantId, dojoId, userId: 'olga', name: 'Olga', role: 'observer' });
    try {
      await olga.connection.whenSynced();
      await eventually(() => olga.text('main.ts') === 'turn1;', 'olga sees the code');
      olga.file('main.ts')?.insert(0, 'x');
      await eventually(() => olga.eventsNamed('editRejected').length === 1, 'olga is told');
      expect(olga.eventsNamed('editRejected')[0]?.data.reason).toBe('observers cannot edit the code');
      await eventually(() => olga.text('main.ts') === 'turn1;', 'olga’s document is back to the server’s text');
      expect(facilitator.control.participants.olga).toBeUndefined();
      await eventually(() => facilitator.connection.peers().some((peer) => peer.userId === 'olga'), 'olga is present');
      const reply = await facilitator.connection.send('grantRole', { userId: 'olga', role: 'participant' });
      expect(reply).toMatchObject({ ok: true });
      await eventually(() => olga.control.participants.olga?.role === 'participant', 'olga is listed as participant');
    } finally {
      olga.leave();
    }
  });

  it('rotates driver and navigator on its own when the turn ends', async () => {
    expect(await facilitator.connection.send('setHandoverRule', { rule: 'timer' })).toMatchObject({ ok: true });
    await eventually(() => everyone().every((m) => m.control.turn === 2), 'turn 2 begins', 20_000);
    expect(ann.control).toMatchObject({ driverId: 'bob', navigatorId: 'cyd' });
    bob.type('main.ts', 'turn2;');
    await eventually(() => everyone().every((m) => m.text('main.ts') === 'turn1;turn2;'), 'the new driver types');
    await eventually(() => everyone().every((m) => m.control.turn === 3), 'turn 3 begins', 20_000);
    expect(ann.control).toMatchObject({ driverId: 'cyd', navigatorId: 'ann' });
    // Back to manual: the rest of the story happens within turn 3.
    expect(await facilitator.connection.send('setHandoverRule', { rule: 'manual' })).toMatchObject({ ok: true });
  });

  it('removes a participant: their connections close and their token is refused from then on', async () => {
    expect(await facilitator.connection.send('remove', { userId: 'ann' })).toMatchObject({ ok: true });
    await eventually(() => ann.eventsNamed('removed').length === 1, 'ann is told');
    expect(ann.eventsNamed('removed')[0]?.data).toEqual({ by: 'fac' });
    await eventually(() => !ann.connection.providers.control.isAuthenticated, 'ann’s control connection is closed');
    await eventually(() => facilitator.control.rotation.join() === 'bob,cyd', 'ann leaves the rotation');
    const again = await join(server, { tenantId, dojoId, userId: 'ann', name: 'Ann', role: 'participant' });
    try {
      await eventually(() => again.denied.length === 3, 'all three documents refuse ann');
      expect(again.denied[0]).toBe('forbidden: you were removed from this dojo');
    } finally {
      again.leave();
    }
  });

  it('mutes and unmutes a participant', async () => {
    expect(await facilitator.connection.send('mute', { userId: 'cyd' })).toMatchObject({ ok: true });
    expect(await facilitator.connection.send('unmute', { userId: 'cyd' })).toMatchObject({ ok: true });
  });

  it('ends the dojo and keeps one snapshot of the code per turn', async () => {
    cyd.type('main.ts', 'turn3;');
    await eventually(() => facilitator.text('main.ts') === 'turn1;turn2;turn3;', 'turn 3’s typing arrives');
    await eventually(() => cyd.connection.unsyncedChanges === 0, 'turn 3’s typing is acknowledged');
    expect(await facilitator.connection.send('end', {})).toMatchObject({ ok: true });
    await eventually(() => bob.control.phase === 'ended', 'everyone sees the end');
    const rows = await turnRows(database.url, dojoId);
    expect(rows.map((row) => [row.turn, row.driver_id, row.reason, row.files['main.ts']?.text])).toEqual([
      [1, 'ann', 'rotation', 'turn1;'],
      [2, 'bob', 'rotation', 'turn1;turn2;'],
      [3, 'cyd', 'end', 'turn1;turn2;turn3;'],
    ]);
  });

  it('leaves the start, the removal, the mute and the end in the tenant’s audit trail, chained', async () => {
    const entries = await auditRows(database.url, tenantId);
    expect(entries).toEqual([
      {
        action: 'dojo_started',
        actor_id: 'fac',
        actor_name: 'Fay Facilitator',
        target_type: 'dojo',
        target_id: dojoId,
      },
      {
        action: 'dojo_member_removed',
        actor_id: 'fac',
        actor_name: 'Fay Facilitator',
        target_type: 'person',
        target_id: 'ann',
      },
      {
        action: 'dojo_member_muted',
        actor_id: 'fac',
        actor_name: 'Fay Facilitator',
        target_type: 'person',
        target_id: 'cyd',
      },
      { action: 'dojo_ended', actor_id: 'fac', actor_name: 'Fay Facilitator', target_type: 'dojo', target_id: dojoId },
    ]);
    const verification = await withDatabase(database.url, (db) => verifyAuditChain(db, tenantId));
    expect(verification).toMatchObject({ entries: 4, firstBroken: null });
  });

  it('answers every command after the end with a conflict', async () => {
    expect(await facilitator.connection.send('rotate', {})).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });

  it('limits how fast one person may chat', async () => {
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => cyd.connection.send('chat', { text: `message ${i}` })),
    );
    expect(replies.filter((reply) => reply.ok).length).toBeLessThanOrEqual(6);
    expect(replies.at(-1)).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
  });
});
