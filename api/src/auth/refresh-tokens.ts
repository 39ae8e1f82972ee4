import { createHash, randomBytes } from 'node:crypto';
import { tenantIdSchema } from '@pocdojo/shared';
import { sql } from 'kysely';
import { newId } from '../tenancy/identifiers.ts';
import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';

/**
 * Refresh tokens are opaque: `<tenant id>.<32 random bytes, base64url>`. The tenant prefix lets the
 * refresh endpoint open a tenant transaction (row-level security) before it looks the token up; the
 * database keeps only the SHA-256 of the whole token, so a leaked table cannot be replayed.
 *
 * Every login starts a family. Refreshing spends the presented token and issues its successor in the
 * same family; presenting a spent token again means two parties hold the chain (theft), so the whole
 * family is revoked and both must log in again.
 */
export const hashRefreshToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function refreshTokenTenant(token: string): string | undefined {
  const separator = token.indexOf('.');
  if (separator <= 0) return undefined;
  const tenant = tenantIdSchema.safeParse(token.slice(0, separator));
  return tenant.success ? tenant.data : undefined;
}

export async function issueRefreshToken(
  trx: TenantTransaction,
  grant: { tenantId: string; userId: string; familyId?: string; ttlSeconds: number },
): Promise<string> {
  const token = `${grant.tenantId}.${randomBytes(32).toString('base64url')}`;
  await trx
    .insertInto('refresh_tokens')
    .values({
      id: newId('rt'),
      tenant_id: grant.tenantId,
      user_id: grant.userId,
      family_id: grant.familyId ?? newId('rf'),
      token_hash: hashRefreshToken(token),
      expires_at: new Date(Date.now() + grant.ttlSeconds * 1000),
    })
    .execute();
  return token;
}

export type Rotation =
  | { outcome: 'rotated'; userId: string; token: string }
  /** Unknown, revoked or expired; `userId` when the token was one of someone's (revoked or expired). */
  | { outcome: 'rejected'; userId?: string }
  /** A spent token came back: its family has been revoked (the caller must commit that). */
  | { outcome: 'reused' };

export async function rotateRefreshToken(
  trx: TenantTransaction,
  presented: string,
  options: { tenantId: string; ttlSeconds: number },
): Promise<Rotation> {
  // FOR UPDATE: two concurrent refreshes of one token serialise; the second sees it spent.
  const row = await trx
    .selectFrom('refresh_tokens')
    .select(['id', 'user_id', 'family_id', 'expires_at', 'spent_at', 'revoked_at'])
    .where('token_hash', '=', hashRefreshToken(presented))
    .forUpdate()
    .executeTakeFirst();
  if (!row) return { outcome: 'rejected' };
  if (row.revoked_at !== null) return { outcome: 'rejected', userId: row.user_id };
  if (row.spent_at !== null) {
    await revokeFamily(trx, row.family_id);
    return { outcome: 'reused' };
  }
  if (row.expires_at.getTime() <= Date.now()) return { outcome: 'rejected', userId: row.user_id };
  await trx
    .updateTable('refresh_tokens')
    .set({ spent_at: sql`now()` })
    .where('id', '=', row.id)
    .execute();
  const token = await issueRefreshToken(trx, {
    tenantId: options.tenantId,
    userId: row.user_id,
    familyId: row.family_id,
    ttlSeconds: options.ttlSeconds,
  });
  return { outcome: 'rotated', userId: row.user_id, token };
}

/**
 * Logout: revokes the family of the presented token and returns whose it was; unknown or already revoked
 * tokens are ignored (logout is idempotent) and return undefined.
 */
export async function revokeRefreshToken(trx: TenantTransaction, presented: string): Promise<string | undefined> {
  const row = await trx
    .selectFrom('refresh_tokens')
    .select(['family_id', 'user_id', 'revoked_at'])
    .where('token_hash', '=', hashRefreshToken(presented))
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) return undefined;
  await revokeFamily(trx, row.family_id);
  return row.user_id;
}

/** Erasure: every refresh token of the person stops working. */
export async function revokeAllRefreshTokens(trx: TenantTransaction, userId: string): Promise<void> {
  await trx
    .updateTable('refresh_tokens')
    .set({ revoked_at: sql`now()` })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}

async function revokeFamily(trx: TenantTransaction, familyId: string): Promise<void> {
  await trx
    .updateTable('refresh_tokens')
    .set({ revoked_at: sql`now()` })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute();
}
