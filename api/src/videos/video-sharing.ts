import { createHash, randomBytes } from 'node:crypto';
import { DomainError, type DatabaseHandle } from '@pocdojo/shared';
import { sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import { withAppRole, withTenant, type TenantTransaction } from '../tenancy/tenant-transaction.ts';
import { yearRange } from './video-source.ts';
import { visibleVideo } from './video-requests.ts';
import type { VideoRow } from './videos.ts';

/**
 * Public share links: 256 random bits in the URL, only their SHA-256 in the database, one live link per
 * video. Sharing again replaces the link; revoking deletes it, after which the page is a 404. The share
 * rows are tenant-scoped like every tenant table; the page resolves a token with the database function
 * `video_share_by_token`, which hashes it the same way.
 */
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** Share changes are audited in their transaction; `audit` records the entry (see audit-request.ts). */
type AuditShare = (trx: TenantTransaction, videoId: string) => Promise<void>;

export async function shareVideo(
  database: DatabaseHandle,
  principal: Principal,
  videoId: string,
  audit: AuditShare,
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await withTenant(database.db, principal.tenantId, async (trx) => {
    const video = await visibleVideo(trx, principal, videoId);
    if (video.status !== 'done') throw new DomainError('conflict', 'only a finished video can be shared');
    await trx.deleteFrom('video_shares').where('video_id', '=', video.id).execute();
    await trx
      .insertInto('video_shares')
      .values({ token_hash: hashOf(token), tenant_id: video.tenant_id, video_id: video.id })
      .execute();
    await audit(trx, video.id);
  });
  return token;
}

export async function revokeShare(
  database: DatabaseHandle,
  principal: Principal,
  videoId: string,
  audit: AuditShare,
): Promise<void> {
  await withTenant(database.db, principal.tenantId, async (trx) => {
    const video = await visibleVideo(trx, principal, videoId);
    const revoked = await trx.deleteFrom('video_shares').where('video_id', '=', video.id).executeTakeFirst();
    if (revoked.numDeletedRows > 0n) await audit(trx, video.id);
  });
}

export async function isShared(database: DatabaseHandle, tenantId: string, videoId: string): Promise<boolean> {
  const row = await withTenant(database.db, tenantId, (trx) =>
    trx.selectFrom('video_shares').select('video_id').where('video_id', '=', videoId).executeTakeFirst(),
  );
  return row !== undefined;
}

export interface SharedVideo {
  video: VideoRow;
  personName: string;
  tenantName: string;
  topLanguages: string[];
}

/** What the public page shows for a token, or undefined for an unknown or revoked one. */
export async function resolveShare(database: DatabaseHandle, token: string): Promise<SharedVideo | undefined> {
  if (!tokenPattern.test(token)) return undefined;
  // The page knows no tenant yet; share rows are tenant-scoped, and this function answers for one token.
  const share = await withAppRole(database.db, async (trx) => {
    const { rows } = await sql<{
      tenant_id: string;
      video_id: string;
    }>`SELECT tenant_id, video_id FROM video_share_by_token(${token})`.execute(trx);
    return rows[0];
  });
  if (!share) return undefined;
  return withTenant(database.db, share.tenant_id, async (trx) => {
    const video = await trx.selectFrom('videos').selectAll().where('id', '=', share.video_id).executeTakeFirst();
    if (!video || video.status !== 'done') return undefined;
    const person = await trx
      .selectFrom('users')
      .select('display_name')
      .where('id', '=', video.user_id)
      .executeTakeFirst();
    const tenant = await trx.selectFrom('tenants').select('name').where('id', '=', video.tenant_id).executeTakeFirst();
    const { from, to } = yearRange(video.year);
    const languages = await trx
      .selectFrom('pocs')
      .select('language')
      .where('owner_id', '=', video.user_id)
      .where('created_at', '>=', from)
      .where('created_at', '<', to)
      .groupBy('language')
      .orderBy(sql`count(*)`, 'desc')
      .orderBy('language')
      .limit(3)
      .execute();
    return {
      video,
      personName: person?.display_name ?? 'Someone',
      tenantName: tenant?.name ?? '',
      topLanguages: languages.map((l) => l.language),
    };
  });
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The share page: a video player plus the Open Graph and Twitter tags that link previews read. */
export function sharePage(shared: SharedVideo, urls: { page: string; video: string; card: string }): string {
  const { video, personName, tenantName, topLanguages } = shared;
  const title = `${personName}'s ${video.year} in POCs`;
  const description = `${video.poc_count} proof${video.poc_count === 1 ? '' : 's'} of concept${
    topLanguages.length > 0 ? ` · ${topLanguages.join(', ')}` : ''
  }${tenantName ? ` · ${tenantName}` : ''}`;
  const meta = (attribute: 'property' | 'name', key: string, value: string) =>
    `<meta ${attribute}="${key}" content="${escapeHtml(value)}">`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
${meta('name', 'description', description)}
${meta('property', 'og:type', 'video.other')}
${meta('property', 'og:site_name', 'POC Dojo')}
${meta('property', 'og:title', title)}
${meta('property', 'og:description', description)}
${meta('property', 'og:url', urls.page)}
${meta('property', 'og:image', urls.card)}
${meta('property', 'og:image:type', 'image/png')}
${meta('property', 'og:image:width', '1200')}
${meta('property', 'og:image:height', '630')}
${meta('property', 'og:video', urls.video)}
${meta('property', 'og:video:type', 'video/mp4')}
${meta('property', 'og:video:width', '1280')}
${meta('property', 'og:video:height', '720')}
${meta('name', 'twitter:card', 'summary_large_image')}
${meta('name', 'twitter:title', title)}
${meta('name', 'twitter:description', description)}
${meta('name', 'twitter:image', urls.card)}
<style>
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #0f172a; color: #f8fafc; font-family: system-ui, sans-serif; }
  main { width: min(960px, 94vw); }
  video { width: 100%; aspect-ratio: 16 / 9; border-radius: 12px; background: #000; }
  p { color: #94a3b8; }
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<video controls playsinline preload="metadata" poster="${escapeHtml(urls.card)}" src="${escapeHtml(urls.video)}"></video>
<p>${escapeHtml(description)}</p>
</main>
</body>
</html>
`;
}
