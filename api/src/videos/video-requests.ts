import { DomainError, type DatabaseHandle, type JobQueue, type Logger } from '@pocdojo/shared';
import type { Principal } from '../auth/principal.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { withTenant, type TenantTransaction } from '../tenancy/tenant-transaction.ts';
import { videoJobName, type VideoJob } from './video-render-job.ts';
import { countPocsInYear } from './video-source.ts';
import {
  findCurrentVideo,
  findVideo,
  insertVideo,
  newVideoId,
  supersede,
  updateVideo,
  type VideoRow,
} from './videos.ts';

/**
 * The API side of yearly videos: asking for one (idempotent per person and year), reading its state and
 * getting a short-lived link to the file. Admins act for anyone in their tenant, others for themselves;
 * someone outside the tenant does not exist (404), because row-level security never shows them.
 */
export interface VideoRequestDeps {
  database: DatabaseHandle;
  queue: Pick<JobQueue, 'send'>;
  store: ObjectStore;
  logger: Logger;
  linkTtlSeconds: number;
  defaultNarration: boolean;
}

export interface VideoRequest {
  year: number;
  userId?: string | undefined;
  force: boolean;
  narration?: boolean | undefined;
}

export type VideoRequestOutcome =
  | { kind: 'existing'; video: VideoRow }
  | { kind: 'queued'; video: VideoRow }
  | { kind: 'nothing_to_render'; detail: string };

const isUniqueViolation = (error: unknown) =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === '23505';

/** The person whose video it is; the name is for messages (ids never reach a person). */
async function requireUser(trx: TenantTransaction, principal: Principal, userId: string): Promise<{ name: string }> {
  const user = await trx.selectFrom('users').select('display_name').where('id', '=', userId).executeTakeFirst();
  if (!user) throw new DomainError('not_found', 'this person is not a member of your team');
  if (userId !== principal.userId && !principal.roles.includes('admin')) {
    throw new DomainError('forbidden', "only admins can ask for someone else's video");
  }
  return { name: user.display_name };
}

/** "You have no POCs in 2026 yet" to oneself, "Bob has no POCs in 2019" about someone else. */
function noPocsMessage(principal: Principal, userId: string, name: string, year: number): string {
  const yet = year >= new Date().getUTCFullYear() ? ' yet' : '';
  return userId === principal.userId ? `You have no POCs in ${year}${yet}` : `${name} has no POCs in ${year}${yet}`;
}

/** A video is visible to its person, whoever asked for it, and the tenant's admins; to others it does not exist. */
export async function visibleVideo(trx: TenantTransaction, principal: Principal, id: string): Promise<VideoRow> {
  const video = await findVideo(trx, id);
  const allowed =
    video &&
    (video.user_id === principal.userId ||
      video.requested_by === principal.userId ||
      principal.roles.includes('admin'));
  if (!video || !allowed) throw new DomainError('not_found', 'this video does not exist (or is not yours to see)');
  return video;
}

export async function requestVideo(
  deps: VideoRequestDeps,
  principal: Principal,
  request: VideoRequest,
): Promise<VideoRequestOutcome> {
  const userId = request.userId ?? principal.userId;
  const { tenantId } = principal;
  let outcome: VideoRequestOutcome;
  try {
    outcome = await withTenant(deps.database.db, tenantId, async (trx) => {
      const person = await requireUser(trx, principal, userId);
      const existing = await findCurrentVideo(trx, userId, request.year);
      // A failed render is not worth returning again: asking anew is asking for another try.
      if (existing && !request.force && existing.status !== 'failed') return { kind: 'existing', video: existing };
      // Forcing while a render is still queued or running would only pile up work on the workers.
      if (existing && (existing.status === 'queued' || existing.status === 'rendering')) {
        throw new DomainError(
          'conflict',
          `the ${request.year} video is ${existing.status === 'queued' ? 'waiting for a renderer' : 'rendering'} already; wait for it to finish`,
        );
      }
      const pocCount = await countPocsInYear(trx, userId, request.year);
      if (pocCount === 0) {
        return { kind: 'nothing_to_render', detail: noPocsMessage(principal, userId, person.name, request.year) };
      }
      if (existing) await supersede(trx, existing.id);
      const video = await insertVideo(trx, {
        id: newVideoId(),
        tenant_id: tenantId,
        user_id: userId,
        year: request.year,
        poc_count: pocCount,
        narration: request.narration ?? deps.defaultNarration,
        requested_by: principal.userId,
      });
      return { kind: 'queued', video };
    });
  } catch (error) {
    // Two requests raced for the same person and year: the loser returns the winner's video.
    if (!isUniqueViolation(error)) throw error;
    const winner = await withTenant(deps.database.db, tenantId, (trx) => findCurrentVideo(trx, userId, request.year));
    if (!winner) throw error;
    return { kind: 'existing', video: winner };
  }
  if (outcome.kind !== 'queued') return outcome;

  const { video } = outcome;
  try {
    const job: VideoJob = { videoId: video.id, tenantId };
    const jobId = await deps.queue.send(videoJobName, job);
    await withTenant(deps.database.db, tenantId, (trx) => updateVideo(trx, video.id, { job_id: jobId }));
    return { kind: 'queued', video: { ...video, job_id: jobId } };
  } catch (error) {
    deps.logger.error({ err: error, videoId: video.id }, 'could not queue the video render');
    await withTenant(deps.database.db, tenantId, (trx) =>
      updateVideo(trx, video.id, {
        status: 'failed',
        error: 'the render could not be queued',
        finished_at: new Date(),
      }),
    );
    throw new DomainError('unavailable', 'the render queue is unavailable; try again');
  }
}

export async function getVideo(deps: VideoRequestDeps, principal: Principal, id: string): Promise<VideoRow> {
  return withTenant(deps.database.db, principal.tenantId, (trx) => visibleVideo(trx, principal, id));
}

/** A link that plays the file inline (status responses) or downloads it under a readable name. */
export async function videoLink(
  deps: VideoRequestDeps,
  video: VideoRow,
  purpose: 'play' | 'download',
): Promise<{ url: string; expiresAt: Date } | undefined> {
  if (video.status !== 'done' || !video.video_path) return undefined;
  const expiresAt = new Date(Date.now() + deps.linkTtlSeconds * 1000);
  const url = await deps.store.signedUrl(
    { tenantId: video.tenant_id, path: video.video_path },
    {
      expiresInSec: deps.linkTtlSeconds,
      ...(purpose === 'download' && { downloadName: `poc-dojo-${video.year}-${video.id}.mp4` }),
    },
  );
  return { url, expiresAt };
}
