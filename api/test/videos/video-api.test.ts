import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planScenes } from '../../src/videos/render/scene-plan.ts';
import { renderOptionsSchema } from '../../src/videos/render/video-input.ts';
import { addUser, call, signUp, type SignedUp, type TestApi } from '../api-harness.ts';
import { sampleYear } from './sample-year.ts';
import { eventually, seedPocs, startVideoTestApi, yearOfPocs } from './video-api-harness.ts';

interface Video {
  id: string;
  status: string;
  progress: number;
  error?: string;
  durationSec?: number;
  url?: string;
  pocCount: number;
  shared: boolean;
}

const filesUnder = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));

async function waitUntilSettled(api: TestApi, token: string, id: string): Promise<Video> {
  return eventually(async () => {
    const reply = await call<Video>(api.app, 'GET', `/api/v1/videos/${id}`, { token });
    return reply.body.status === 'done' || reply.body.status === 'failed' ? reply.body : undefined;
  }, `video ${id} to finish`);
}

describe('yearly videos through the API (real Postgres, in-process worker, filesystem storage)', () => {
  let api: TestApi;
  let admin: SignedUp;
  let member: SignedUp;
  let outsider: SignedUp;
  let videoId: string;

  beforeAll(async () => {
    api = await startVideoTestApi();
    admin = await signUp(api.app, 'Video Co');
    member = await addUser(api.app, admin, ['participant']);
    outsider = await signUp(api.app, 'Other Co');
    const [firstPoc] = await seedPocs(api.database, member.tenant.id, member.user.id, yearOfPocs(12, 2026));
    await seedPocs(api.database, outsider.tenant.id, outsider.user.id, yearOfPocs(3, 2026));
    await api.database.db
      .insertInto('dojos')
      .values({
        id: 'd_video_test',
        tenant_id: member.tenant.id,
        title: 'Randori on POC 1',
        poc_id: firstPoc ?? null,
        format: 'randori',
        language: 'TypeScript',
        turn_minutes: 5,
        created_by: admin.user.id,
      })
      .execute();
  });
  afterAll(async () => {
    await api.close();
  });

  it('queues a render for the caller and answers 202 with the id and status', async () => {
    const reply = await call<{ id: string; status: string }>(api.app, 'POST', '/api/v1/videos', {
      token: member.accessToken,
      body: { year: 2026 },
    });
    expect(reply.status).toBe(202);
    expect(reply.body.status).toBe('queued');
    videoId = reply.body.id;
  });

  it('returns the same video when asked again for the same person and year', async () => {
    const reply = await call<{ id: string }>(api.app, 'POST', '/api/v1/videos', {
      token: member.accessToken,
      body: { year: 2026 },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.id).toBe(videoId);
  });

  it('finishes the render with the duration the scene plan predicts and a playable link', async () => {
    const video = await waitUntilSettled(api, member.accessToken, videoId);
    expect(video).toMatchObject({ status: 'done', progress: 1, pocCount: 12 });
    const timing = { openingSec: 0.5, pocSec: 0.4, statisticsSec: 0.5, closingSec: 0.5 };
    const predicted = planScenes(sampleYear(12), renderOptionsSchema.parse({ timing })).durationSec;
    expect(video.durationSec).toBeCloseTo(predicted, 5);
    expect(video.url).toMatch(/^http:\/\/localhost(:\d+)?\/api\/v1\/files\//);
    expect(await api.metrics.getSingleMetricAsString('video_renders_total')).toContain(
      'video_renders_total{outcome="done"} 1',
    );
  });

  it('hands out a short-lived download link to the MP4, stored under the tenant', async () => {
    const reply = await call<{ url: string; expiresAt: string }>(api.app, 'GET', `/api/v1/videos/${videoId}/download`, {
      token: member.accessToken,
    });
    expect(reply.status).toBe(200);
    expect(Date.parse(reply.body.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    const url = new URL(reply.body.url);
    expect(url.pathname).toBe(`/api/v1/files/${member.tenant.id}/videos/${videoId}/video.mp4`);
    const file = await api.app.inject({ url: url.pathname + url.search });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('video/mp4');
    expect(file.headers['content-disposition']).toContain('attachment');
    expect(file.rawPayload.subarray(4, 8).toString('ascii')).toBe('ftyp');
    expect(await filesUnder(join(api.dataDir, 'objects'))).toEqual(
      expect.arrayContaining([
        `${member.tenant.id}/videos/${videoId}/video.mp4`,
        `${member.tenant.id}/videos/${videoId}/card.png`,
      ]),
    );
  });

  it('leaves no temporary files behind', async () => {
    expect(await filesUnder(join(api.dataDir, 'tmp'))).toEqual([]);
  });

  it('renders anew with force, superseding the earlier video', async () => {
    const reply = await call<{ id: string }>(api.app, 'POST', '/api/v1/videos', {
      token: member.accessToken,
      body: { year: 2026, force: true, narration: false },
    });
    expect(reply.status).toBe(202);
    expect(reply.body.id).not.toBe(videoId);
    const again = await call<{ id: string }>(api.app, 'POST', '/api/v1/videos', {
      token: member.accessToken,
      body: { year: 2026 },
    });
    expect(again.body.id).toBe(reply.body.id);
    expect((await waitUntilSettled(api, member.accessToken, reply.body.id)).status).toBe('done');
  });

  it('answers 422 for a year without POCs', async () => {
    const reply = await call(api.app, 'POST', '/api/v1/videos', { token: member.accessToken, body: { year: 2019 } });
    expect(reply.status).toBe(422);
    expect(reply.headers['content-type']).toContain('application/problem+json');
    expect(reply.body).toMatchObject({ status: 422, code: 'invalid', detail: expect.stringContaining('2019') });
  });

  it('answers 404 for a user of another tenant, even to an admin', async () => {
    const reply = await call(api.app, 'POST', '/api/v1/videos', {
      token: admin.accessToken,
      body: { year: 2026, userId: outsider.user.id },
    });
    expect(reply.status).toBe(404);
  });

  it("lets an admin ask for a member's video but not a member for the admin's", async () => {
    const byAdmin = await call<{ id: string }>(api.app, 'POST', '/api/v1/videos', {
      token: admin.accessToken,
      body: { year: 2026, userId: member.user.id },
    });
    expect(byAdmin.status).toBe(200);
    const byMember = await call(api.app, 'POST', '/api/v1/videos', {
      token: member.accessToken,
      body: { year: 2026, userId: admin.user.id },
    });
    expect(byMember.status).toBe(403);
  });

  it("hides a video from another tenant's users (404)", async () => {
    for (const path of [`/api/v1/videos/${videoId}`, `/api/v1/videos/${videoId}/download`]) {
      expect((await call(api.app, 'GET', path, { token: outsider.accessToken })).status).toBe(404);
    }
  });

  it('shares a video on a public page with Open Graph tags until the link is revoked', async () => {
    const shared = await call<{ url: string }>(api.app, 'POST', `/api/v1/videos/${videoId}/share`, {
      token: member.accessToken,
    });
    expect(shared.status).toBe(201);
    const page = new URL(shared.body.url);
    expect(page.pathname).toMatch(/^\/api\/v1\/share\/videos\/[A-Za-z0-9_-]{43}$/);

    const html = await api.app.inject({ url: page.pathname });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.body).toContain('<meta property="og:type" content="video.other">');
    expect(html.body).toMatch(
      /<meta property="og:image" content="http:\/\/localhost(:\d+)?\/api\/v1\/share\/videos\/[^"]+\/card\.png">/,
    );
    expect(html.body).toContain('<meta property="og:video:type" content="video/mp4">');
    expect(html.body).toContain('12 proofs of concept');
    expect(html.body).toContain('<video');

    const card = await api.app.inject({ url: `${page.pathname}/card.png` });
    expect(card.statusCode).toBe(302);
    const cardFile = await api.app.inject({
      url: new URL(card.headers.location ?? '').pathname + new URL(card.headers.location ?? '').search,
    });
    expect(cardFile.headers['content-type']).toBe('image/png');
    expect(cardFile.rawPayload.readUInt32BE(16)).toBe(1200);
    expect(cardFile.rawPayload.readUInt32BE(20)).toBe(630);
    expect(
      (await call<Video>(api.app, 'GET', `/api/v1/videos/${videoId}`, { token: member.accessToken })).body.shared,
    ).toBe(true);

    const revoked = await call(api.app, 'DELETE', `/api/v1/videos/${videoId}/share`, { token: member.accessToken });
    expect(revoked.status).toBe(204);
    expect((await api.app.inject({ url: page.pathname })).statusCode).toBe(404);
    expect((await api.app.inject({ url: `${page.pathname}/video.mp4` })).statusCode).toBe(404);

    const trail = await call<{ items: Array<{ action: string; actor: { id: string }; target: unknown }> }>(
      api.app,
      'GET',
      '/api/v1/audit?limit=2',
      { token: admin.accessToken },
    );
    expect(trail.body.items.map(({ action, actor, target }) => ({ action, actor: actor.id, target }))).toEqual(
      ['video_share_revoked', 'video_share_created'].map((action) => ({
        action,
        actor: member.user.id,
        target: { type: 'video', id: videoId },
      })),
    );
  });

  it('refuses share page tokens that were never issued', async () => {
    expect((await api.app.inject({ url: `/api/v1/share/videos/${'a'.repeat(43)}` })).statusCode).toBe(404);
  });

  it('documents the video and report routes in the OpenAPI document', async () => {
    const reply = await call<{ paths: Record<string, unknown> }>(api.app, 'GET', '/api/v1/openapi.json');
    expect(Object.keys(reply.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/videos',
        '/api/v1/videos/{id}',
        '/api/v1/videos/{id}/download',
        '/api/v1/reports/pocs',
      ]),
    );
  });
});

describe('a render that fails', () => {
  let api: TestApi;
  let admin: SignedUp;

  beforeAll(async () => {
    // A voice espeak-ng does not have makes every attempt fail for a real reason.
    api = await startVideoTestApi({ env: { VIDEO_VOICE: 'nosuchvoice', VIDEO_RETRY_LIMIT: '1' } });
    admin = await signUp(api.app, 'Broken Voice Co');
    await seedPocs(api.database, admin.tenant.id, admin.user.id, yearOfPocs(2, 2026));
  });
  afterAll(async () => {
    await api.close();
  });

  it('is retried, then marked failed with the reason, leaving no file behind', async () => {
    const reply = await call<{ id: string }>(api.app, 'POST', '/api/v1/videos', {
      token: admin.accessToken,
      body: { year: 2026 },
    });
    const video = await waitUntilSettled(api, admin.accessToken, reply.body.id);
    expect(video.status).toBe('failed');
    expect(video.error).toContain('voice does not exist');
    expect(video.url).toBeUndefined();
    expect(
      (await call(api.app, 'GET', `/api/v1/videos/${reply.body.id}/download`, { token: admin.accessToken })).status,
    ).toBe(409);
    expect(await filesUnder(join(api.dataDir, 'objects'))).toEqual([]);
    expect(await filesUnder(join(api.dataDir, 'tmp'))).toEqual([]);
    const renders = await api.metrics.getSingleMetricAsString('video_renders_total');
    expect(renders).toContain('video_renders_total{outcome="retrying"} 1');
    expect(renders).toContain('video_renders_total{outcome="failed"} 1');
  });
});

describe('yearly videos on the embedded default (PGlite)', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startVideoTestApi({ embedded: true });
  });
  afterAll(async () => {
    await api.close();
  });

  it('queues, renders and serves a video', async () => {
    const admin = await signUp(api.app, 'Embedded Co');
    await seedPocs(api.database, admin.tenant.id, admin.user.id, yearOfPocs(3, 2026));
    const reply = await call<{ id: string }>(api.app, 'POST', '/api/v1/videos', {
      token: admin.accessToken,
      body: { year: 2026 },
    });
    expect(reply.status).toBe(202);
    const video = await waitUntilSettled(api, admin.accessToken, reply.body.id);
    expect(video).toMatchObject({ status: 'done', pocCount: 3 });
    const url = new URL(video.url ?? '');
    expect((await api.app.inject({ url: url.pathname + url.search })).statusCode).toBe(200);
  });
});

describe('forcing a render while one is still queued', () => {
  let api: TestApi;

  beforeAll(async () => {
    // No worker in this process: the video stays queued.
    api = await startVideoTestApi({ env: { VIDEO_WORKER: 'off' } });
  });
  afterAll(async () => {
    await api.close();
  });

  it('answers 409 instead of piling up renders', async () => {
    const admin = await signUp(api.app, 'Impatient Co');
    await seedPocs(api.database, admin.tenant.id, admin.user.id, yearOfPocs(2, 2026));
    const first = await call<{ id: string; status: string }>(api.app, 'POST', '/api/v1/videos', {
      token: admin.accessToken,
      body: { year: 2026 },
    });
    expect(first.body.status).toBe('queued');
    const forced = await call(api.app, 'POST', '/api/v1/videos', {
      token: admin.accessToken,
      body: { year: 2026, force: true },
    });
    expect(forced.status).toBe(409);
    expect(forced.body).toMatchObject({
      code: 'conflict',
      detail: expect.stringMatching(/^the 2026 video is .+ already/),
    });
    expect((forced.body as { detail: string }).detail).not.toContain(first.body.id);
  });
});
