import { DomainError } from '@pocdojo/shared';
import {
  queuedVideoSchema,
  videoDownloadSchema,
  videoSchema,
  videoShareSchema,
  type Video,
} from '@pocdojo/shared/contract/videos';
import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiPlugin } from '../api-context.ts';
import { authenticate, principalOf } from '../auth/principal.ts';
import { problemContentType, problemSchema, type Problem } from '../problem-details.ts';
import { fileRoutes } from '../storage/file-routes.ts';
import { videoServiceConfigSchema } from './video-config.ts';
import { getVideo, requestVideo, videoLink, type VideoRequestDeps } from './video-requests.ts';
import { createVideoBodySchema, shareTokenParamsSchema, videoIdParamsSchema } from './video-schemas.ts';
import { createVideoMetrics } from './video-metrics.ts';
import { superviseVideoServices } from './video-services.ts';
import { auditCaller } from '../audit/audit-request.ts';
import { isShared, resolveShare, revokeShare, shareVideo, sharePage } from './video-sharing.ts';
import type { VideoRow } from './videos.ts';

/**
 * The yearly video feature: `POST /videos`, `GET /videos/:id`, `GET /videos/:id/download`, share links
 * and the public share page, plus the signed file route when objects live in DATA_DIR. It owns its object
 * store and job queue (closed with the app) and, unless VIDEO_WORKER=off, renders in this process too.
 */
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const security = [{ bearer: [] }];

/** Links from the filesystem store are paths on this API; clients and link previews need absolute URLs. */
const absolute = (request: FastifyRequest, url: string) =>
  url.startsWith('/') ? `${request.protocol}://${request.host}${url}` : url;

export const videoRoutes: ApiPlugin = async (app, { context }) => {
  const config = videoServiceConfigSchema.parse(context.config);
  const services = await superviseVideoServices(config, context.database, context.logger, {
    startWorker: config.VIDEO_WORKER === 'inline',
    metrics: createVideoMetrics(context.metrics),
  });
  app.addHook('onClose', () => services.close());
  const deps: VideoRequestDeps = {
    database: context.database,
    queue: services.queue,
    store: services.store,
    logger: context.logger,
    linkTtlSeconds: config.VIDEO_LINK_TTL_SECONDS,
    defaultNarration: config.VIDEO_NARRATION,
  };
  const { store } = services;
  if (store.kind === 'filesystem') await app.register(fileRoutes, { store });

  async function videoResponse(request: FastifyRequest, video: VideoRow): Promise<Video> {
    const link = await videoLink(deps, video, 'play');
    return {
      id: video.id,
      userId: video.user_id,
      year: video.year,
      status: video.status,
      progress: Math.min(1, Math.max(0, video.progress)),
      ...(video.error !== null && { error: video.error }),
      ...(video.duration_sec !== null && { durationSec: video.duration_sec }),
      ...(link && { url: absolute(request, link.url) }),
      pocCount: video.poc_count,
      narration: video.narration,
      shared: await isShared(context.database, video.tenant_id, video.id),
      createdAt: video.created_at.toISOString(),
      finishedAt: video.finished_at?.toISOString() ?? null,
    };
  }

  await app.register(async (scope) => {
    const authed = scope.withTypeProvider<ZodTypeProvider>();
    authed.addHook('onRequest', authenticate(context.identity.verifier));

    authed.post(
      '/videos',
      {
        schema: {
          tags: ['videos'],
          summary: "Render a person's yearly POC video (202), or return the existing one for that year (200)",
          security,
          body: createVideoBodySchema,
          response: {
            200: queuedVideoSchema,
            202: queuedVideoSchema,
            409: problemSchema,
            422: problemSchema,
            ...problems,
          },
        },
      },
      async (request, reply) => {
        const outcome = await requestVideo(deps, principalOf(request), request.body);
        if (outcome.kind === 'nothing_to_render') {
          const problem: Problem = {
            type: 'urn:pocdojo:problem:invalid',
            title: 'Nothing to render',
            status: 422,
            detail: outcome.detail,
            instance: request.url.split('?')[0] ?? request.url,
            code: 'invalid',
          };
          return reply.code(422).type(problemContentType).serializer(JSON.stringify).send(problem);
        }
        return reply
          .code(outcome.kind === 'queued' ? 202 : 200)
          .send({ id: outcome.video.id, status: outcome.video.status });
      },
    );

    authed.get(
      '/videos/:id',
      {
        schema: {
          tags: ['videos'],
          summary: 'State and progress of a video; `url` plays it once done',
          security,
          params: videoIdParamsSchema,
          response: { 200: videoSchema, ...problems },
        },
      },
      async (request) => videoResponse(request, await getVideo(deps, principalOf(request), request.params.id)),
    );

    authed.get(
      '/videos/:id/download',
      {
        schema: {
          tags: ['videos'],
          summary: 'A short-lived signed link that downloads the MP4',
          security,
          params: videoIdParamsSchema,
          response: { 200: videoDownloadSchema, 409: problemSchema, ...problems },
        },
      },
      async (request) => {
        const video = await getVideo(deps, principalOf(request), request.params.id);
        const link = await videoLink(deps, video, 'download');
        if (!link) throw new DomainError('conflict', `the video is ${video.status}, not done`);
        return { url: absolute(request, link.url), expiresAt: link.expiresAt.toISOString() };
      },
    );

    authed.post(
      '/videos/:id/share',
      {
        schema: {
          tags: ['videos'],
          summary: 'Create (or replace) the public share link of a finished video',
          security,
          params: videoIdParamsSchema,
          response: { 201: videoShareSchema, 409: problemSchema, ...problems },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const token = await shareVideo(context.database, principal, request.params.id, (trx, videoId) =>
          auditCaller(trx, request, principal, {
            action: 'video_share_created',
            target: { type: 'video', id: videoId },
          }),
        );
        return reply.code(201).send({ url: absolute(request, `/api/v1/share/videos/${token}`) });
      },
    );

    authed.delete(
      '/videos/:id/share',
      {
        schema: {
          tags: ['videos'],
          summary: 'Revoke the public share link; the page answers 404 from then on',
          security,
          params: videoIdParamsSchema,
          response: { 204: z.undefined(), ...problems },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        await revokeShare(context.database, principal, request.params.id, (trx, videoId) =>
          auditCaller(trx, request, principal, {
            action: 'video_share_revoked',
            target: { type: 'video', id: videoId },
          }),
        );
        return reply.code(204).send();
      },
    );
  });

  // The public share page and its media: no token needed, the unguessable link is the credential.
  const shared = async (token: string) => {
    const found = await resolveShare(context.database, token);
    if (!found) throw new DomainError('not_found', 'this share link does not exist or was revoked');
    return found;
  };
  const sharedObjectLink = async (token: string, which: 'video' | 'card') => {
    const { video } = await shared(token);
    const path = which === 'video' ? video.video_path : video.card_path;
    if (!path) throw new DomainError('not_found', 'this video has no file');
    return store.signedUrl({ tenantId: video.tenant_id, path }, { expiresInSec: config.VIDEO_LINK_TTL_SECONDS });
  };

  app.get(
    '/share/videos/:token',
    {
      schema: {
        tags: ['videos'],
        summary: 'Public share page (HTML with Open Graph tags)',
        params: shareTokenParamsSchema,
      },
    },
    async (request, reply) => {
      const found = await shared(request.params.token);
      const page = absolute(request, `/api/v1/share/videos/${request.params.token}`);
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .send(sharePage(found, { page, video: `${page}/video.mp4`, card: `${page}/card.png` }));
    },
  );
  app.get(
    '/share/videos/:token/video.mp4',
    { schema: { hide: true, params: shareTokenParamsSchema } },
    async (request, reply) =>
      reply.redirect(absolute(request, await sharedObjectLink(request.params.token, 'video')), 302),
  );
  app.get(
    '/share/videos/:token/card.png',
    { schema: { hide: true, params: shareTokenParamsSchema } },
    async (request, reply) =>
      reply.redirect(absolute(request, await sharedObjectLink(request.params.token, 'card')), 302),
  );
};
