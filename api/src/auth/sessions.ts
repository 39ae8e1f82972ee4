import { DomainError, type Identity } from '@pocdojo/shared';
import type { Session, Tenant } from '@pocdojo/shared/contract/auth';
import { issueRefreshToken } from './refresh-tokens.ts';
import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';
import { publicUser, type StoredUser } from '../users/users.ts';

/** The embedded issuer; absent when an external identity provider issues tokens (AUTH_JWKS_URL). */
export function issuerOf(identity: Identity): NonNullable<Identity['issuer']> {
  if (!identity.issuer) {
    throw new DomainError('unavailable', 'tokens are issued by the external identity provider (AUTH_JWKS_URL)');
  }
  return identity.issuer;
}

export async function issueAccessToken(
  identity: Identity,
  tenantId: string,
  user: Pick<StoredUser, 'id' | 'roles'>,
  ttlSeconds: number,
): Promise<string> {
  return issuerOf(identity).issue({ sub: user.id, tid: tenantId, roles: user.roles }, ttlSeconds);
}

/** A new login: access token plus the first refresh token of a new family. */
export async function startSession(
  trx: TenantTransaction,
  options: { identity: Identity; accessTtl: number; refreshTtl: number },
  tenant: Tenant,
  user: StoredUser,
  existingRefreshToken?: string,
): Promise<Session> {
  const refreshToken =
    existingRefreshToken ??
    (await issueRefreshToken(trx, { tenantId: tenant.id, userId: user.id, ttlSeconds: options.refreshTtl }));
  return {
    accessToken: await issueAccessToken(options.identity, tenant.id, user, options.accessTtl),
    refreshToken,
    expiresIn: options.accessTtl,
    user: publicUser(user),
    tenant,
  };
}
