/**
 * The audit trail (issue 22): security-relevant actions land in the tenant's append-only, hash-chained
 * trail; admins read it page by page or as CSV; nobody, not even the owner, rewrites or deletes it, and
 * tampering behind the trigger's back is found by the verification. On the Postgres server and on the
 * embedded PGlite: the trigger, the advisory lock and the row-level security must hold on both.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { verifyAuditChain } from '@pocdojo/shared';
import type { AuditEntry, AuditPage } from '@pocdojo/shared/contract/audit';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signUp, type SignedUp, type TestApi, startTestApi } from './api-harness.ts';

const password = 'correct horse battery';
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;

describe.each([
  { database: 'Postgres', embedded: false },
  { database: 'embedded PGlite', embedded: true },
])('the audit trail on $database', ({ embedded }) => {
  let api: TestApi;
  let admin: SignedUp;

  beforeAll(async () => {
    api = await startTestApi({ embedded });
    admin = await signUp(api.app, 'Audited Co');
  });
  afterAll(async () => {
    await api?.close();
  });

  const trail = async (query = '', token = admin.accessToken) => {
    const reply = await call<AuditPage>(api.app, 'GET', `/api/v1/audit${query}`, { token });
    expect(reply.status).toBe(200);
    return reply.body;
  };
  const latest = async (action: string): Promise<AuditEntry> => {
    const [entry] = (await trail(`?action=${action}&limit=1`)).items;
    if (!entry) throw new Error(`no ${action} entry`);
    return entry;
  };
  const addPerson = async (email: string, roles: string[] = ['participant']) => {
    const reply = await call<{ id: string }>(api.app, 'POST', '/api/v1/users', {
      token: admin.accessToken,
      body: { email, displayName: 'Bea Souza', roles, password },
    });
    expect(reply.status).toBe(201);
    return reply.body.id;
  };

  it('records sign-in, failed sign-in and sign-out, with where they came from', async () => {
    const login = await call<SignedUp>(api.app, 'POST', '/api/v1/auth/login', {
      body: { email: admin.user.email, password },
      headers: { 'user-agent': 'audit-test/1.0', traceparent },
    });
    expect(login.status).toBe(200);
    expect(await latest('sign_in')).toMatchObject({
      actor: { id: admin.user.id, name: 'Ada' },
      target: { type: 'person', id: admin.user.id },
      userAgent: 'audit-test/1.0',
      address: expect.any(String),
      traceId,
      redacted: false,
    });

    const failed = await call(api.app, 'POST', '/api/v1/auth/login', {
      body: { email: admin.user.email, password: 'not the password' },
    });
    expect(failed.status).toBe(401);
    const failure = await latest('sign_in_failed');
    expect(failure.actor).toEqual({ id: null, name: null });
    expect(failure.personalDetails).toEqual({ email: admin.user.email });
    // No traceparent: a fresh trace id all the same.
    expect(failure.traceId).toMatch(/^[0-9a-f]{32}$/);

    const logout = await call(api.app, 'POST', '/api/v1/auth/logout', {
      body: { refreshToken: login.body.refreshToken },
    });
    expect(logout.status).toBe(204);
    expect(await latest('sign_out')).toMatchObject({ actor: { id: admin.user.id } });
  });

  it('records people added, POCs created, changed and deleted, and dojos created', async () => {
    const personId = await addPerson('bea@audited.test');
    expect(await latest('person_added')).toMatchObject({
      actor: { id: admin.user.id },
      target: { type: 'person', id: personId },
      details: { roles: ['participant'] },
    });

    const poc = await call<{ id: string }>(api.app, 'POST', '/api/v1/pocs', {
      token: admin.accessToken,
      body: { name: 'Audit me', language: 'TypeScript' },
    });
    await call(api.app, 'PATCH', `/api/v1/pocs/${poc.body.id}`, {
      token: admin.accessToken,
      body: { status: 'active', name: 'Audited' },
    });
    await call(api.app, 'DELETE', `/api/v1/pocs/${poc.body.id}`, { token: admin.accessToken });
    const target = { type: 'poc', id: poc.body.id };
    expect(await latest('poc_created')).toMatchObject({ target });
    expect(await latest('poc_changed')).toMatchObject({ target, details: { fields: ['name', 'status'] } });
    expect(await latest('poc_deleted')).toMatchObject({ target });

    const dojo = await call<{ id: string }>(api.app, 'POST', '/api/v1/dojos', {
      token: admin.accessToken,
      body: { title: 'Kata', format: 'randori', language: 'TypeScript' },
    });
    expect(dojo.status).toBe(201);
    expect(await latest('dojo_created')).toMatchObject({ target: { type: 'dojo', id: dojo.body.id } });
  });

  it('records role changes, and keeps an admin from dropping their own admin role', async () => {
    const personId = await addPerson(`roles${embedded ? 'e' : 'p'}@audited.test`);
    const changed = await call<{ roles: string[] }>(api.app, 'PATCH', `/api/v1/users/${personId}/roles`, {
      token: admin.accessToken,
      body: { roles: ['facilitator', 'participant'] },
    });
    expect(changed).toMatchObject({ status: 200, body: { roles: ['facilitator', 'participant'] } });
    expect(await latest('roles_changed')).toMatchObject({
      actor: { id: admin.user.id },
      target: { type: 'person', id: personId },
      details: { from: ['participant'], to: ['facilitator', 'participant'] },
    });
    const own = await call(api.app, 'PATCH', `/api/v1/users/${admin.user.id}/roles`, {
      token: admin.accessToken,
      body: { roles: ['participant'] },
    });
    expect(own.status).toBe(409);
    const missing = await call(api.app, 'PATCH', '/api/v1/users/u_nobody/roles', {
      token: admin.accessToken,
      body: { roles: ['participant'] },
    });
    expect(missing.status).toBe(404);
  });

  it('shows the trail to admins only, filtered by person, action and time, one page per cursor', async () => {
    const email = `participant${embedded ? 'e' : 'p'}@audited.test`;
    const personId = await addPerson(email);
    const person = await call<SignedUp>(api.app, 'POST', '/api/v1/auth/login', { body: { email, password } });
    const refused = await call(api.app, 'GET', '/api/v1/audit', { token: person.body.accessToken });
    expect(refused.status).toBe(403);

    const mine = await trail(`?person=${personId}`);
    expect(mine.items.map((entry) => entry.action)).toEqual(['sign_in', 'person_added']);

    const all: AuditEntry[] = [];
    let cursor: string | null = null;
    do {
      const page: AuditPage = await trail(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const seqs = all.map((entry) => entry.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(Math.min(...seqs)).toBe(1);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await trail(`?from=${encodeURIComponent(future)}`)).items).toEqual([]);
    const sinceSignUp = await trail(
      `?from=${encodeURIComponent(all.at(-1)?.at ?? '')}&to=${encodeURIComponent(future)}`,
    );
    expect(sinceSignUp.items.length).toBe(Math.min(50, all.length));

    const bad = await call(api.app, 'GET', '/api/v1/audit?action=made_up', { token: admin.accessToken });
    expect(bad.status).toBe(400);
    const badCursor = await call(api.app, 'GET', '/api/v1/audit?cursor=nonsense', { token: admin.accessToken });
    expect(badCursor.status).toBe(400);
  });

  it('exports the matching entries as CSV, with formula-looking cells defused', async () => {
    await call(api.app, 'POST', '/api/v1/auth/login', {
      body: { email: admin.user.email, password },
      headers: { 'user-agent': '=HYPERLINK("http://evil.test")' },
    });
    const response = await api.app.inject({
      method: 'GET',
      url: '/api/v1/audit?format=csv&action=sign_in',
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers['content-disposition']).toContain('audit.csv');
    const rows = parse(response.body, { bom: true, columns: true }) as Array<Record<string, string>>;
    const page = await trail('?action=sign_in');
    expect(rows.map((row) => Number(row.seq))).toEqual(page.items.map((entry) => entry.seq));
    expect(rows[0]?.user_agent).toBe(`'=HYPERLINK("http://evil.test")`);
    expect(rows[0]?.action).toBe('sign_in');
  });

  it('keeps one unbroken chain when many actions are audited at once', async () => {
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call(api.app, 'POST', '/api/v1/pocs', {
          token: admin.accessToken,
          body: { name: `Parallel ${i}`, language: 'Go' },
        }),
      ),
    );
    expect(created.every((reply) => reply.status === 201)).toBe(true);
    const report = await verifyAuditChain(api.database.db, admin.tenant.id);
    expect(report.firstBroken).toBeNull();
    expect(report.entries).toBeGreaterThanOrEqual(12);
  });

  it('refuses to change, delete or truncate entries, as the services’ role and as the owner', async () => {
    const db = api.database.db;
    const asApp = (statement: ReturnType<typeof sql>) =>
      db.transaction().execute(async (trx) => {
        await sql`SET LOCAL ROLE pocdojo_app`.execute(trx);
        await sql`SELECT set_config('app.tenant_id', ${admin.tenant.id}, true)`.execute(trx);
        await statement.execute(trx);
      });
    await expect(asApp(sql`UPDATE audit_entries SET action = 'sign_out'`)).rejects.toThrow(/permission denied/);
    await expect(asApp(sql`DELETE FROM audit_entries`)).rejects.toThrow(/permission denied/);
    await expect(asApp(sql`TRUNCATE audit_entries`)).rejects.toThrow(/permission denied/);
    await expect(sql`UPDATE audit_entries SET action = 'sign_out' WHERE seq = 1`.execute(db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`UPDATE audit_entries SET actor_name = NULL WHERE seq = 1`.execute(db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`DELETE FROM audit_entries WHERE seq = 1`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_entries`.execute(db)).rejects.toThrow(/append-only/);
  });

  it('finds the first tampered entry when a superuser edits behind the trigger', async () => {
    const db = api.database.db;
    const intact = await verifyAuditChain(db, admin.tenant.id);
    expect(intact.firstBroken).toBeNull();
    const tamper = async (statement: ReturnType<typeof sql>) => {
      await sql`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only`.execute(db);
      try {
        await statement.execute(db);
      } finally {
        await sql`ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only`.execute(db);
      }
    };
    const tenant = admin.tenant.id;
    await tamper(sql`UPDATE audit_entries SET details = '{"roles":["admin"]}' WHERE tenant_id = ${tenant} AND seq = 5`);
    expect((await verifyAuditChain(db, tenant)).firstBroken).toEqual({ seq: 5, reason: 'entry changed' });
    await tamper(sql`UPDATE audit_entries SET address = '203.0.113.9' WHERE tenant_id = ${tenant} AND seq = 3`);
    expect((await verifyAuditChain(db, tenant)).firstBroken).toEqual({ seq: 3, reason: 'personal fields changed' });
    await tamper(sql`DELETE FROM audit_entries WHERE tenant_id = ${tenant} AND seq = 2`);
    expect((await verifyAuditChain(db, tenant)).firstBroken).toEqual({ seq: 2, reason: 'missing entry' });
  });
});

describe('npm run audit:verify', () => {
  const command = fileURLToPath(new URL('../src/audit/audit-verify-command.ts', import.meta.url));
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  /** Runs the command as an operator would, against the test's database; its exit code and log lines. */
  const verify = async (...args: string[]) => {
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', command, ...args], {
      env: { ...process.env, DATABASE_URL: api.config.DATABASE_URL, LOG_LEVEL: 'info' },
    });
    const { stdout, code } = await run.then(
      ({ stdout }) => ({ stdout, code: 0 }),
      (error: { stdout: string; code: number }) => ({ stdout: error.stdout, code: error.code }),
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { tenant: string; msg: string; firstBroken?: unknown });
    return { code, lines };
  };

  it('reports every chain intact, then names the entry a superuser changed behind the trigger', async () => {
    const first = await signUp(api.app, 'Verified One');
    await signUp(api.app, 'Verified Two');
    const intact = await verify();
    expect(intact.code).toBe(0);
    expect(intact.lines.map((line) => [line.tenant, line.msg])).toEqual([
      ['verified-one', 'audit chain intact'],
      ['verified-two', 'audit chain intact'],
    ]);

    const db = api.database.db;
    await sql`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only`.execute(db);
    await sql`UPDATE audit_entries SET action = 'sign_out' WHERE tenant_id = ${first.tenant.id} AND seq = 2`.execute(
      db,
    );
    await sql`ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only`.execute(db);

    const broken = await verify('--tenant', 'verified-one');
    expect(broken.code).toBe(1);
    expect(broken.lines).toMatchObject([
      { tenant: 'verified-one', msg: 'audit chain broken', firstBroken: { seq: 2, reason: 'entry changed' } },
    ]);
    expect((await verify('--tenant', 'verified-two')).code).toBe(0);
    expect((await verify('--tenant', 'nobody')).code).toBe(2);
  });
});
