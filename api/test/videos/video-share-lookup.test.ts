import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAppRole, withTenant } from '../../src/tenancy/tenant-transaction.ts';
import { call, signUp, startTestApi, type SignedUp, type TestApi } from '../api-harness.ts';

/**
 * Share links are tenant rows like any other: the services' role sees none without a tenant set. The
 * public share page, which knows no tenant, still resolves its token (through a narrow database
 * function), over a real HTTP socket, on Postgres and on the embedded default alike.
 */
describe.each([
  ['Postgres', false],
  ['the embedded PGlite', true],
])('video share links on %s', (_name, embedded) => {
  let api: TestApi;
  let origin: string;
  let tenants: SignedUp[];
  const tokens: string[] = [];

  /** A finished video, written as the table owner (rendering one is not what is tested here). */
  async function finishedVideo(owner: SignedUp, id: string): Promise<string> {
    await api.database.db
      .insertInto('videos')
      .values({
        id,
        tenant_id: owner.tenant.id,
        user_id: owner.user.id,
        year: 2026,
        status: 'done',
        progress: 1,
        poc_count: 7,
        narration: false,
        requested_by: owner.user.id,
        video_path: `videos/${id}.mp4`,
        card_path: `videos/${id}.png`,
        duration_sec: 12,
      })
      .execute();
    return id;
  }

  async function share(owner: SignedUp, videoId: string): Promise<string> {
    const reply = await call<{ url: string }>(api.app, 'POST', `/api/v1/videos/${videoId}/share`, {
      token: owner.accessToken,
    });
    expect(reply.status).toBe(201);
    return new URL(reply.body.url).pathname;
  }

  const page = (path: string) => fetch(`${origin}${path}`);

  beforeAll(async () => {
    api = await startTestApi({ embedded, env: { VIDEO_WORKER: 'off' } });
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    origin = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
    tenants = [await signUp(api.app, 'Share A'), await signUp(api.app, 'Share B')];
    for (const [i, owner] of tenants.entries()) {
      tokens.push(await share(owner, await finishedVideo(owner, `v_share${embedded ? 'e' : 'p'}${i}`)));
    }
  });
  afterAll(async () => {
    await api?.close();
  });

  it("shows the services' role no share row without a tenant set, and only its own with one", async () => {
    const owned = await api.database.db.selectFrom('video_shares').select('tenant_id').execute();
    expect(owned).toHaveLength(2);
    const seen = await withAppRole(api.database.db, (trx) => trx.selectFrom('video_shares').selectAll().execute());
    expect(seen).toEqual([]);
    const [first] = tenants;
    if (!first) throw new Error('no tenant');
    const own = await withTenant(api.database.db, first.tenant.id, (trx) =>
      trx.selectFrom('video_shares').select('tenant_id').execute(),
    );
    expect(own).toEqual([{ tenant_id: first.tenant.id }]);
  });

  it('still resolves a valid link on the public share page', async () => {
    for (const [i, path] of tokens.entries()) {
      const response = await page(path ?? '');
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain('7 proofs of concept');
      expect(html).toContain(tenants[i]?.tenant.name);
    }
  });

  it('answers 404 for a link never issued and for a revoked one', async () => {
    const never = await page(`/api/v1/share/videos/${'b'.repeat(43)}`);
    expect(never.status).toBe(404);
    expect(never.headers.get('content-type')).toContain('application/problem+json');

    const [owner] = tenants;
    if (!owner) throw new Error('no tenant');
    const revoked = await call(api.app, 'DELETE', `/api/v1/videos/v_share${embedded ? 'e' : 'p'}0/share`, {
      token: owner.accessToken,
    });
    expect(revoked.status).toBe(204);
    expect((await page(tokens[0] ?? '')).status).toBe(404);
    expect((await page(tokens[1] ?? '')).status).toBe(200);
  });
});
