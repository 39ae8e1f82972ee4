import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAppRole, withTenant } from '../src/tenancy/tenant-transaction.ts';
import { addUser, call, signUp, startTestApi, type SignedUp, type TestApi } from './api-harness.ts';

let api: TestApi;
let a: SignedUp;
let b: SignedUp;
let pocA: { id: string };
let dojoA: { id: string };

beforeAll(async () => {
  api = await startTestApi({ servicesLogin: true });
  a = await signUp(api.app, 'Tenant A');
  b = await signUp(api.app, 'Tenant B');
  pocA = (
    await call<{ id: string }>(api.app, 'POST', '/api/v1/pocs', {
      token: a.accessToken,
      body: { name: 'Secret alpha project', description: 'alpha only', language: 'Go', tags: ['alpha'] },
    })
  ).body;
  dojoA = (
    await call<{ id: string }>(api.app, 'POST', '/api/v1/dojos', {
      token: a.accessToken,
      body: { title: 'Alpha dojo', pocId: pocA.id, format: 'mob', language: 'Go' },
    })
  ).body;
  await call(api.app, 'POST', '/api/v1/pocs', {
    token: b.accessToken,
    body: { name: 'Beta project', language: 'Rust', tags: ['beta'] },
  });
  await call(api.app, 'POST', '/api/v1/dojos', {
    token: b.accessToken,
    body: { title: 'Beta dojo', format: 'kata', language: 'Rust' },
  });
});
afterAll(async () => {
  await api?.close();
});

describe('a second tenant’s token against the first tenant’s resources', () => {
  it('gets 404 for every endpoint that takes an id, exactly as for an id that does not exist', async () => {
    const requests: [string, string, unknown?][] = [
      ['GET', `/api/v1/pocs/${pocA.id}`],
      ['PATCH', `/api/v1/pocs/${pocA.id}`, { name: 'pwned' }],
      ['DELETE', `/api/v1/pocs/${pocA.id}`],
      ['GET', `/api/v1/dojos/${dojoA.id}`],
      ['POST', `/api/v1/dojos/${dojoA.id}/join`],
      ['POST', '/api/v1/dojos', { title: 'Steal', pocId: pocA.id, format: 'mob', language: 'Go' }],
      ['PATCH', `/api/v1/users/${a.user.id}/roles`, { roles: ['observer'] }],
      ['POST', `/api/v1/people/${a.user.id}/erase`, { pocs: 'delete' }],
    ];
    for (const [method, url, body] of requests) {
      const foreign = await call(api.app, method as 'GET', url, { token: b.accessToken, body });
      const missing = await call(
        api.app,
        method as 'GET',
        url.replace(/p_[a-z0-9]+|d_[a-z0-9]+|u_[a-z0-9]+/, (id) => `${id.slice(0, 2)}nothing`),
        {
          token: b.accessToken,
          body: body && JSON.parse(JSON.stringify(body).replace(pocA.id, 'p_nothing')),
        },
      );
      expect({ method, url, status: foreign.status }).toEqual({ method, url, status: 404 });
      expect(foreign.body.detail).toBe(missing.body.detail);
    }
    const stillThere = await call(api.app, 'GET', `/api/v1/pocs/${pocA.id}`, { token: a.accessToken });
    expect(stillThere.body).toMatchObject({ name: 'Secret alpha project' });
  });

  it('never lists, searches or facets the first tenant’s rows', async () => {
    const pocs = await call<{ items: { name: string }[] }>(api.app, 'GET', '/api/v1/pocs?limit=100', {
      token: b.accessToken,
    });
    expect(pocs.body.items.map((p) => p.name)).toEqual(['Beta project']);
    const byTag = await call<{ items: unknown[] }>(api.app, 'GET', '/api/v1/pocs?tag=alpha', { token: b.accessToken });
    expect(byTag.body.items).toEqual([]);
    const byOwner = await call<{ items: unknown[] }>(api.app, 'GET', `/api/v1/pocs?owner=${a.user.id}`, {
      token: b.accessToken,
    });
    expect(byOwner.body.items).toEqual([]);
    const dojos = await call<{ items: { title: string }[] }>(api.app, 'GET', '/api/v1/dojos', { token: b.accessToken });
    expect(dojos.body.items.map((d) => d.title)).toEqual(['Beta dojo']);
    const users = await call<{ items: { email: string }[] }>(api.app, 'GET', '/api/v1/users', { token: b.accessToken });
    expect(users.body.items.map((u) => u.email)).toEqual([b.user.email]);
    const audit = await call<{ items: { actor: { id: string | null }; target: { id: string } | null }[] }>(
      api.app,
      'GET',
      '/api/v1/audit?limit=200',
      { token: b.accessToken },
    );
    expect(audit.body.items.length).toBeGreaterThan(0);
    const firstTenantIds = [a.user.id, pocA.id, dojoA.id];
    expect(
      audit.body.items.filter(
        (entry) => firstTenantIds.includes(entry.actor.id ?? '') || firstTenantIds.includes(entry.target?.id ?? ''),
      ),
    ).toEqual([]);
    const search = await call<{ items: unknown[]; facets: { languages: object; tags: object } }>(
      api.app,
      'GET',
      '/api/v1/search/pocs?q=secret%20alpha',
      { token: b.accessToken },
    );
    expect(search.body.items).toEqual([]);
    const everything = await call<{ items: { name: string }[]; facets: { languages: object; tags: object } }>(
      api.app,
      'GET',
      '/api/v1/search/pocs',
      { token: b.accessToken },
    );
    expect(everything.body.items.map((i) => i.name)).toEqual(['Beta project']);
    expect(everything.body.facets).toEqual({ languages: { Rust: 1 }, tags: { beta: 1 } });
  });

  it('cannot log in to the first tenant with its own credentials or use its refresh tokens there', async () => {
    const login = await call(api.app, 'POST', '/api/v1/auth/login', {
      body: { tenant: a.tenant.slug, email: b.user.email, password: 'correct horse battery' },
    });
    expect(login.status).toBe(401);
    // A refresh token re-labelled with the other tenant's id is looked up in that tenant and not found.
    const relabelled = `${a.tenant.id}.${b.refreshToken.split('.')[1]}`;
    const refresh = await call(api.app, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: relabelled } });
    expect(refresh.status).toBe(401);
  });

  it('an admin of the second tenant cannot add users that land in the first tenant', async () => {
    const added = await addUser(api.app, b, ['participant']);
    expect(added.tenant.id).toBe(b.tenant.id);
    const usersOfA = await call<{ items: { email: string }[] }>(api.app, 'GET', '/api/v1/users', {
      token: a.accessToken,
    });
    expect(usersOfA.body.items.map((u) => u.email)).toEqual([a.user.email]);
  });
});

describe('row-level security', () => {
  it('a query that forgets its tenant filter still sees only its tenant’s rows', async () => {
    for (const table of ['pocs', 'users', 'dojos', 'refresh_tokens'] as const) {
      const rows = await withTenant(api.database.db, b.tenant.id, (trx) =>
        trx.selectFrom(table).select('tenant_id').execute(),
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.tenant_id))).toEqual(new Set([b.tenant.id]));
    }
  });

  it('a query outside any tenant sees no tenant rows at all', async () => {
    const rows = await withAppRole(api.database.db, (trx) => trx.selectFrom('pocs').select('id').execute());
    expect(rows).toEqual([]);
  });

  it('refuses to write a row into another tenant, and to move a row across', async () => {
    await expect(
      withTenant(api.database.db, b.tenant.id, (trx) =>
        trx
          .insertInto('dojos')
          .values({
            id: 'd_forged',
            tenant_id: a.tenant.id,
            title: 'x',
            format: 'mob',
            language: 'Go',
            created_by: b.user.id,
          })
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/);
    const moved = await withTenant(api.database.db, b.tenant.id, (trx) =>
      trx.updateTable('pocs').set({ tenant_id: a.tenant.id }).execute(),
    ).catch((error: Error) => error.message);
    expect(moved).toMatch(/row-level security/);
    const updatedAcross = await withTenant(api.database.db, b.tenant.id, (trx) =>
      trx.updateTable('pocs').set({ name: 'overwritten' }).where('id', '=', pocA.id).executeTakeFirst(),
    );
    expect(updatedAcross.numUpdatedRows).toBe(0n);
  });

  it('runs as a role that is not a superuser and cannot bypass row-level security', async () => {
    const role = await withTenant(api.database.db, b.tenant.id, async (trx) => {
      const { rows } = await sql<{ user: string; rolsuper: boolean; rolbypassrls: boolean }>`
        SELECT current_user AS user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`.execute(trx);
      return rows[0];
    });
    expect(role).toEqual({ user: 'pocdojo_app', rolsuper: false, rolbypassrls: false });
  });

  it('stays under row-level security when a transaction resets its role: the login itself is restricted', async () => {
    const seen = await withTenant(api.database.db, b.tenant.id, async (trx) => {
      await sql`RESET ROLE`.execute(trx);
      const { rows } = await sql<{ count: number }>`
        SELECT count(*)::int AS count FROM pocs WHERE tenant_id = ${a.tenant.id}`.execute(trx);
      return rows[0]?.count;
    });
    expect(seen).toBe(0);
  });

  it('cannot turn the policy off', async () => {
    await expect(
      withTenant(api.database.db, b.tenant.id, (trx) => sql`ALTER TABLE pocs DISABLE ROW LEVEL SECURITY`.execute(trx)),
    ).rejects.toThrow(/must be owner/);
  });
});
