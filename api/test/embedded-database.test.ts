import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../src/tenancy/tenant-transaction.ts';
import { call, signUp, startTestApi, type TestApi } from './api-harness.ts';

/** The default deployment: no DATABASE_URL, embedded PGlite. The same code paths, the same guarantees. */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ embedded: true });
});
afterAll(async () => {
  await api?.close();
});

describe('the API on the embedded database', () => {
  it('runs embedded', () => {
    expect(api.database.embedded).toBe(true);
  });

  it('signs up, registers a POC and finds it again by prefix, typo and filters', async () => {
    const owner = await signUp(api.app, 'Embedded Co');
    const created = await call<{ id: string }>(api.app, 'POST', '/api/v1/pocs', {
      token: owner.accessToken,
      body: { name: 'Kubernetes operator', description: 'Reconciles rooms', language: 'Go', tags: ['K8s'] },
    });
    expect(created.status).toBe(201);
    await call(api.app, 'POST', '/api/v1/pocs', {
      token: owner.accessToken,
      body: { name: 'Realtime chat', language: 'TypeScript', tags: ['web'] },
    });
    const search = async (qs: string) =>
      (
        await call<{ items: { id: string; name: string }[]; facets: object }>(
          api.app,
          'GET',
          `/api/v1/search/pocs?${qs}`,
          {
            token: owner.accessToken,
          },
        )
      ).body;
    expect((await search('q=kube')).items.map((i) => i.id)).toEqual([created.body.id]);
    expect((await search('q=kubernets')).items.map((i) => i.id)).toEqual([created.body.id]);
    expect((await search('tags=k8s&language=go')).items.map((i) => i.name)).toEqual(['Kubernetes operator']);
    expect((await search('')).facets).toEqual({
      languages: { Go: 1, TypeScript: 1 },
      tags: { k8s: 1, web: 1 },
    });
  });

  it('keeps tenants apart with row-level security as the app role', async () => {
    const a = await signUp(api.app, 'Embedded A');
    const b = await signUp(api.app, 'Embedded B');
    const poc = await call<{ id: string }>(api.app, 'POST', '/api/v1/pocs', {
      token: a.accessToken,
      body: { name: 'Only for A', language: 'Go' },
    });
    expect((await call(api.app, 'GET', `/api/v1/pocs/${poc.body.id}`, { token: b.accessToken })).status).toBe(404);
    const unfiltered = await withTenant(api.database.db, b.tenant.id, (trx) =>
      trx.selectFrom('pocs').select('tenant_id').execute(),
    );
    expect(unfiltered).toEqual([]);
    const own = await withTenant(api.database.db, a.tenant.id, (trx) =>
      trx.selectFrom('pocs').select('tenant_id').execute(),
    );
    expect(own).toEqual([{ tenant_id: a.tenant.id }]);
  });

  it('rotates refresh tokens and opens dojo sessions', async () => {
    const owner = await signUp(api.app, 'Embedded Dojo');
    const refreshed = await call<{ accessToken: string }>(api.app, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: owner.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    expect(
      (await call(api.app, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: owner.refreshToken } })).status,
    ).toBe(401);
    const dojo = await call<{ id: string }>(api.app, 'POST', '/api/v1/dojos', {
      token: refreshed.body.accessToken,
      body: { title: 'Kata', format: 'kata', language: 'Go' },
    });
    const join = await call<{ role: string; url: string }>(api.app, 'POST', `/api/v1/dojos/${dojo.body.id}/join`, {
      token: refreshed.body.accessToken,
    });
    expect(join.body).toMatchObject({ role: 'facilitator', url: '/collab' });
  });
});
