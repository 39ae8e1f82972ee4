/**
 * Personal-data requests (issue 22): a person downloads everything the product holds about them as one
 * zip; an admin erases a person, after which nothing personal of theirs is left anywhere in the
 * database (every text, JSON and binary column of every table is searched) or in object storage.
 * On the Postgres server and on the embedded PGlite.
 */
import { randomUUID } from 'node:crypto';
import { verifyAuditChain } from '@pocdojo/shared';
import type { AuditPage } from '@pocdojo/shared/contract/audit';
import { chatMessages, controlState, readChatMessages } from '@pocdojo/shared/contract/dojo-documents';
import { UpdateLog } from '@pocdojo/sync';
import { strFromU8, unzipSync } from 'fflate';
import { sql } from 'kysely';
import { nextSecond } from '@pocdojo/shared/testing/next-second';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { withCurrentDocument } from '../src/dojo-history/current-code.ts';
import type { ObjectStore } from '../src/storage/object-store.ts';
import { openObjectStore } from '../src/storage/storage-config.ts';
import { videoServiceConfigSchema } from '../src/videos/video-config.ts';
import { newVideoId, videoObjectPaths } from '../src/videos/videos.ts';
import { addUser, call, signUp, startTestApi, type SignedUp, type TestApi } from './api-harness.ts';

const personName = 'Zephyrine Quillfeather';
const password = 'a password of hers';
/** What must not survive an erasure, in any case, anywhere. */
const personalNeedles = ['zephyrine', 'quillfeather'];
const capitalized = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

describe.each([
  { database: 'Postgres', embedded: false },
  { database: 'embedded PGlite', embedded: true },
])('personal-data requests on $database', ({ embedded }) => {
  let api: TestApi;
  let store: ObjectStore;
  let admin: SignedUp;
  let heir: SignedUp;
  let person: SignedUp;
  const email = `zephyrine.quillfeather${embedded ? 'e' : 'p'}@erase.test`;
  const seeded = { dojoId: '', chat: '', control: '', videoId: '', pocIds: [] as string[] };

  beforeAll(async () => {
    api = await startTestApi({ embedded });
    store = await openObjectStore(videoServiceConfigSchema.parse(api.config));
    admin = await signUp(api.app, 'Erase Co');
    heir = await addUser(api.app, admin, ['participant']);
    const added = await call(api.app, 'POST', '/api/v1/users', {
      token: admin.accessToken,
      body: { email, displayName: personName, roles: ['facilitator', 'participant'], password },
    });
    expect(added.status).toBe(201);
    person = (await call<SignedUp>(api.app, 'POST', '/api/v1/auth/login', { body: { email, password } })).body;
    await seedWhatSheLeaves();
  });
  afterAll(async () => {
    await store?.close();
    await api?.close();
  });

  /** Her POCs, a dojo with her chat, her place in the control state, a run, a session summary, a shared video. */
  async function seedWhatSheLeaves() {
    const db = api.database.db;
    const tenantId = admin.tenant.id;
    for (const name of ['Event sourcing spike', 'Edge cache trial']) {
      const poc = await call<{ id: string }>(api.app, 'POST', '/api/v1/pocs', {
        token: person.accessToken,
        body: { name, language: 'Go' },
      });
      seeded.pocIds.push(poc.body.id);
    }
    const dojo = await call<{ id: string; documents: { chat: string; control: string } }>(
      api.app,
      'POST',
      '/api/v1/dojos',
      {
        token: person.accessToken,
        body: { title: 'Bowling kata', format: 'randori', language: 'typescript' },
      },
    );
    seeded.dojoId = dojo.body.id;
    seeded.chat = dojo.body.documents.chat;
    seeded.control = dojo.body.documents.control;
    expect(
      (await call(api.app, 'POST', `/api/v1/dojos/${dojo.body.id}/join`, { token: person.accessToken })).status,
    ).toBe(200);

    // The chat and control documents as the collaboration tier stores them: updates in the log.
    const log = new UpdateLog(api.database, 'node-test');
    const chat = new Y.Doc();
    const say = async (authorId: string, authorName: string, text: string) => {
      const before = Y.encodeStateVector(chat);
      chatMessages(chat).push([{ id: randomUUID(), authorId, authorName, text, at: Date.now() }]);
      await log.append([{ name: seeded.chat, tenantId, update: Y.encodeStateAsUpdate(chat, before) }]);
    };
    await say(person.user.id, personName, 'the first frame passes');
    await say(admin.user.id, 'Ada', 'nice, now the spare');
    await say(person.user.id, personName, 'spare done');
    const control = new Y.Doc();
    controlState(control).set('participants', {
      [person.user.id]: { name: personName, role: 'facilitator', handRaised: false },
      [admin.user.id]: { name: 'Ada', role: 'participant', handRaised: false },
    });
    controlState(control).set('runs', [
      {
        id: 'r_1',
        status: 'done',
        position: null,
        turn: 1,
        requestedBy: person.user.id,
        requestedByName: personName,
        auto: false,
        requestedAt: Date.now(),
        finishedAt: Date.now(),
        light: 'green',
        passed: 3,
        failed: 0,
        message: 'all 3 tests passed',
      },
    ]);
    await log.append([{ name: seeded.control, tenantId, update: Y.encodeStateAsUpdate(control) }]);

    await db
      .insertInto('dojo_runs')
      .values({
        id: 'r_1',
        tenant_id: tenantId,
        dojo_id: seeded.dojoId,
        language: 'typescript',
        turn: 1,
        requested_by: person.user.id,
        requested_by_name: personName,
        status: 'done',
        files: JSON.stringify({ 'game.ts': 'export const score = 0;' }),
        state_vector: new Uint8Array([0]),
      })
      .execute();
    await db
      .insertInto('dojo_sessions')
      .values({
        tenant_id: tenantId,
        dojo_id: seeded.dojoId,
        poc_id: null,
        format: 'randori',
        ended_at: new Date(),
        summary: JSON.stringify({
          format: 'randori',
          participants: [
            { userId: person.user.id, name: personName, role: 'facilitator' },
            { userId: admin.user.id, name: 'Ada', role: 'participant' },
          ],
        }),
      })
      .execute();

    seeded.videoId = newVideoId();
    const paths = videoObjectPaths(seeded.videoId);
    await store.putBuffer({ tenantId, path: paths.video }, Buffer.from('not really an mp4'), 'video/mp4');
    await store.putBuffer({ tenantId, path: paths.card }, Buffer.from('not really a png'), 'image/png');
    await db
      .insertInto('videos')
      .values({
        id: seeded.videoId,
        tenant_id: tenantId,
        user_id: person.user.id,
        year: 2026,
        status: 'done',
        error: null,
        duration_sec: 12,
        poc_count: 2,
        narration: false,
        requested_by: person.user.id,
        job_id: null,
        video_path: paths.video,
        card_path: paths.card,
        superseded_at: null,
        finished_at: new Date(),
      })
      .execute();
    const shared = await call(api.app, 'POST', `/api/v1/videos/${seeded.videoId}/share`, { token: person.accessToken });
    expect(shared.status).toBe(201);
    // A failed sign-in with her address: the address is kept in that audit entry.
    await call(api.app, 'POST', '/api/v1/auth/login', { body: { email, password: 'not hers' } });
  }

  it('gives a person everything held about them as one zip, and audits it', async () => {
    const response = await api.app.inject({
      method: 'GET',
      url: '/api/v1/me/export',
      headers: { authorization: `Bearer ${person.accessToken}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/zip');
    const files = unzipSync(new Uint8Array(response.rawPayload));
    const json = (name: string): unknown => JSON.parse(strFromU8(files[name] ?? new Uint8Array()));
    expect(Object.keys(files).sort()).toEqual(
      [
        'README.txt',
        'audit-entries.json',
        'chat-messages.json',
        'dojos.json',
        'pocs.json',
        'profile.json',
        'videos.json',
        `videos/${seeded.videoId}.mp4`,
        `videos/${seeded.videoId}.png`,
      ].sort(),
    );
    expect(json('profile.json')).toMatchObject({
      id: person.user.id,
      email,
      displayName: personName,
      tenant: { name: 'Erase Co' },
    });
    expect((json('pocs.json') as Array<{ id: string }>).map((poc) => poc.id).sort()).toEqual([...seeded.pocIds].sort());
    expect(json('dojos.json')).toMatchObject({
      memberships: [{ dojoId: seeded.dojoId, title: 'Bowling kata', role: 'facilitator' }],
      opened: [{ id: seeded.dojoId }],
      runs: [{ id: 'r_1', light: null, status: 'done' }],
    });
    expect(
      (json('chat-messages.json') as Array<{ text: string; dojoId: string }>).map((m) => [m.dojoId, m.text]),
    ).toEqual([
      [seeded.dojoId, 'the first frame passes'],
      [seeded.dojoId, 'spare done'],
    ]);
    expect(json('videos.json')).toMatchObject([{ id: seeded.videoId, year: 2026, status: 'done' }]);
    expect(strFromU8(files[`videos/${seeded.videoId}.mp4`] ?? new Uint8Array())).toBe('not really an mp4');
    const audited = (json('audit-entries.json') as Array<{ action: string }>).map((entry) => entry.action);
    expect(audited).toEqual(expect.arrayContaining(['sign_in', 'person_added', 'video_share_created']));

    const trail = await call<AuditPage>(api.app, 'GET', '/api/v1/audit?action=data_exported', {
      token: admin.accessToken,
    });
    expect(trail.body.items[0]).toMatchObject({
      actor: { id: person.user.id },
      target: { type: 'person', id: person.user.id },
    });
  });

  it('finds her everywhere before the erasure (the search that proves her gone can see her)', async () => {
    expect(await personalDataLeft()).toEqual(
      expect.arrayContaining([
        'public.users.email (zephyrine)',
        'public.users.display_name (quillfeather)',
        'public.document_updates.update (zephyrine)',
        'public.dojo_runs.requested_by_name (zephyrine)',
        'public.dojo_sessions.summary (zephyrine)',
        'public.audit_entries.actor_name (zephyrine)',
        'public.audit_entries.personal_details (zephyrine)',
      ]),
    );
  });

  it('lets only admins erase, never themselves, and only to a current member', async () => {
    const erase = (token: string, id: string, body: unknown) =>
      call(api.app, 'POST', `/api/v1/people/${id}/erase`, { token, body });
    expect((await erase(person.accessToken, heir.user.id, { pocs: 'delete' })).status).toBe(403);
    expect((await erase(admin.accessToken, admin.user.id, { pocs: 'delete' })).status).toBe(409);
    expect((await erase(admin.accessToken, 'u_nobody', { pocs: 'delete' })).status).toBe(404);
    expect((await erase(admin.accessToken, person.user.id, { pocs: 'reassign', toUserId: 'u_nobody' })).status).toBe(
      400,
    );
    expect(
      (await erase(admin.accessToken, person.user.id, { pocs: 'reassign', toUserId: person.user.id })).status,
    ).toBe(400);
    expect((await erase(admin.accessToken, person.user.id, { pocs: 'reassign' })).status).toBe(400);
    expect((await erase(admin.accessToken, person.user.id, { pocs: 'keep' })).status).toBe(400);
  });

  it('erases a person: nothing personal of theirs remains in any table or in storage', async () => {
    await nextSecond();
    const erased = await call(api.app, 'POST', `/api/v1/people/${person.user.id}/erase`, {
      token: admin.accessToken,
      body: { pocs: 'reassign', toUserId: heir.user.id },
    });
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({
      userId: person.user.id,
      pocsReassigned: 2,
      pocsDeleted: 0,
      videosRemoved: 1,
      dojoDocumentsRewritten: 2,
    });
    expect(erased.body.auditEntriesRedacted).toBeGreaterThanOrEqual(4);

    // Signed out everywhere, and no way back in: the access token she holds is refused too, before its expiry.
    await expect
      .poll(async () => (await call(api.app, 'GET', '/api/v1/pocs', { token: person.accessToken })).status)
      .toBe(401);
    // Told apart from an expiry: signing in again cannot help her.
    const refresh = await call(api.app, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: person.refreshToken },
    });
    expect(refresh.status).toBe(401);
    expect(refresh.body).toMatchObject({ code: 'unauthorized', reason: 'account_erased' });
    expect((await call(api.app, 'POST', '/api/v1/auth/login', { body: { email, password } })).status).toBe(401);

    // Her POCs are the heir's now; her video, its share link and its files are gone.
    const pocs = await call<{ items: Array<{ id: string }> }>(api.app, 'GET', `/api/v1/pocs?owner=${heir.user.id}`, {
      token: admin.accessToken,
    });
    expect(pocs.body.items.map((poc) => poc.id).sort()).toEqual([...seeded.pocIds].sort());
    expect((await call(api.app, 'GET', `/api/v1/videos/${seeded.videoId}`, { token: admin.accessToken })).status).toBe(
      404,
    );
    const paths = videoObjectPaths(seeded.videoId);
    await expect(store.read({ tenantId: admin.tenant.id, path: paths.video })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(store.read({ tenantId: admin.tenant.id, path: paths.card })).rejects.toMatchObject({
      code: 'not_found',
    });

    // Her chat messages stay, from "a former member"; the others' are untouched.
    const chat = await withCurrentDocument(api.database.db, seeded.chat, readChatMessages);
    expect(chat.map((message) => [message.authorName, message.text])).toEqual([
      ['a former member', 'the first frame passes'],
      ['Ada', 'nice, now the spare'],
      ['a former member', 'spare done'],
    ]);
    const people = await call<{ items: Array<{ id: string; displayName: string; roles: string[] }> }>(
      api.app,
      'GET',
      '/api/v1/users',
      { token: admin.accessToken },
    );
    expect(people.body.items.find((user) => user.id === person.user.id)).toMatchObject({
      displayName: 'a former member',
      roles: [],
    });

    // The trail still verifies, and says who erased whom.
    expect((await verifyAuditChain(api.database.db, admin.tenant.id)).firstBroken).toBeNull();
    const trail = await call<AuditPage>(api.app, 'GET', `/api/v1/audit?person=${person.user.id}`, {
      token: admin.accessToken,
    });
    expect(trail.body.items[0]).toMatchObject({
      action: 'person_erased',
      actor: { id: admin.user.id, name: 'Ada' },
      details: { pocs: 'reassign', toUserId: heir.user.id, pocsReassigned: 2 },
    });
    expect(trail.body.items.slice(1).every((entry) => entry.redacted && entry.actor.name === null)).toBe(true);

    expect(await personalDataLeft()).toEqual([]);
    expect(
      (
        await call(api.app, 'POST', `/api/v1/people/${person.user.id}/erase`, {
          token: admin.accessToken,
          body: { pocs: 'delete' },
        })
      ).status,
    ).toBe(409);
  });

  it('deletes the POCs of an erased person when the admin chooses so', async () => {
    const leaving = await addUser(api.app, admin, ['participant']);
    const poc = await call<{ id: string }>(api.app, 'POST', '/api/v1/pocs', {
      token: leaving.accessToken,
      body: { name: 'Abandoned idea', language: 'Rust' },
    });
    const erased = await call(api.app, 'POST', `/api/v1/people/${leaving.user.id}/erase`, {
      token: admin.accessToken,
      body: { pocs: 'delete' },
    });
    expect(erased.body).toMatchObject({ pocsDeleted: 1, pocsReassigned: 0, videosRemoved: 0 });
    expect((await call(api.app, 'GET', `/api/v1/pocs/${poc.body.id}`, { token: admin.accessToken })).status).toBe(404);
  });

  /** Every text, JSON, array and binary column of every table (the job queue's too), searched for her. */
  async function personalDataLeft(): Promise<string[]> {
    const db = api.database.db;
    const { rows: columns } = await sql<{
      table_schema: string;
      table_name: string;
      column_name: string;
      data_type: string;
    }>`
      SELECT c.table_schema, c.table_name, c.column_name, c.data_type
      FROM information_schema.columns c
      JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE t.table_type = 'BASE TABLE'
        AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
        AND c.data_type IN ('text', 'character varying', 'json', 'jsonb', 'ARRAY', 'bytea')`.execute(db);
    expect(columns.map((column) => `${column.table_name}.${column.column_name}`)).toEqual(
      expect.arrayContaining([
        'users.email',
        'audit_entries.actor_name',
        'document_updates.update',
        'documents.snapshot',
      ]),
    );
    const found: string[] = [];
    for (const column of columns) {
      const table = sql.table(`${column.table_schema}.${column.table_name}`);
      const value = sql.ref(column.column_name);
      for (const needle of personalNeedles) {
        const match =
          column.data_type === 'bytea'
            ? sql`(position(convert_to(${needle}, 'UTF8') in ${value}) > 0 OR position(convert_to(${capitalized(needle)}, 'UTF8') in ${value}) > 0)`
            : sql`${value}::text ILIKE ${`%${needle}%`}`;
        const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${table} WHERE ${match}`.execute(db);
        if ((rows[0]?.n ?? 0) > 0)
          found.push(`${column.table_schema}.${column.table_name}.${column.column_name} (${needle})`);
      }
    }
    return found;
  }
});
