import { randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '@pocdojo/shared';
import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';

/** The `videos` table: one row per requested render, written by the API and by the render worker. */
export type VideoRow = Selectable<Database['videos']>;
export type VideoStatus = VideoRow['status'];

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

/** `v_` + 16 base-36 characters (~82 random bits), like the API's other ids. */
export function newVideoId(): string {
  let id = '';
  for (const byte of randomBytes(16)) id += alphabet[byte % alphabet.length];
  return `v_${id}`;
}

export const videoObjectPaths = (id: string) => ({ video: `videos/${id}/video.mp4`, card: `videos/${id}/card.png` });

export async function findVideo(trx: TenantTransaction, id: string): Promise<VideoRow | undefined> {
  return trx.selectFrom('videos').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findCurrentVideo(
  trx: TenantTransaction,
  userId: string,
  year: number,
): Promise<VideoRow | undefined> {
  return trx
    .selectFrom('videos')
    .selectAll()
    .where('user_id', '=', userId)
    .where('year', '=', year)
    .where('superseded_at', 'is', null)
    .executeTakeFirst();
}

export async function supersede(trx: TenantTransaction, id: string): Promise<void> {
  await trx
    .updateTable('videos')
    .set({ superseded_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

export async function insertVideo(
  trx: TenantTransaction,
  video: Pick<VideoRow, 'id' | 'tenant_id' | 'user_id' | 'year' | 'poc_count' | 'narration' | 'requested_by'>,
): Promise<VideoRow> {
  return trx
    .insertInto('videos')
    .values({
      ...video,
      status: 'queued',
      error: null,
      duration_sec: null,
      job_id: null,
      video_path: null,
      card_path: null,
      superseded_at: null,
      finished_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export type VideoUpdate = Partial<
  Pick<
    VideoRow,
    'status' | 'progress' | 'error' | 'duration_sec' | 'job_id' | 'video_path' | 'card_path' | 'finished_at'
  >
>;

export async function updateVideo(trx: TenantTransaction, id: string, update: VideoUpdate): Promise<void> {
  await trx
    .updateTable('videos')
    .set({ ...update, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}
