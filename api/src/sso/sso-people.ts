import { DomainError, type Role } from '@pocdojo/shared';
import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';
import { findUserByEmail, insertUser, type StoredUser } from '../users/users.ts';
import type { ProviderIdentity } from './identity-provider.ts';

/**
 * The tenant's person for an identity the provider vouched for: the one already linked to its `sub`,
 * else the one with its email address (linked now: someone invited with a password keeps their
 * account), else a new person with `roles` and no password, if the address is in one of the tenant's
 * claimed domains: a provider such as Google signs in anyone with an account there, so the provider
 * alone does not make someone a member (others are added by an admin first). When the tenant maps groups to roles the
 * provider is the source of truth and an existing person's roles follow it at every sign-in.
 */
export async function personForIdentity(
  trx: TenantTransaction,
  tenantId: string,
  identity: ProviderIdentity,
  roles: { roles: Role[]; followProvider: boolean },
  claimedDomains: string[],
): Promise<StoredUser> {
  const linked = await findUserBySubject(trx, tenantId, identity.subject);
  if (linked) return roles.followProvider ? updateRoles(trx, tenantId, linked, roles.roles) : linked;
  const { email } = identity;
  if (!email)
    throw new DomainError('unauthorized', 'company sign-in refused: the identity provider sent no email address');
  if (identity.emailVerified === false) {
    throw new DomainError(
      'unauthorized',
      'company sign-in refused: the identity provider has not verified this email address',
    );
  }
  const existing = await findUserByEmail(trx, tenantId, email);
  if (existing) {
    await trx
      .updateTable('users')
      .set({ sso_subject: identity.subject })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', existing.id)
      .execute();
    return roles.followProvider ? updateRoles(trx, tenantId, existing, roles.roles) : existing;
  }
  if (!claimedDomains.includes(email.split('@')[1] ?? '')) {
    throw new DomainError(
      'unauthorized',
      `company sign-in refused: ${email} is not in the team’s email domains; an admin can add the person to the team first`,
    );
  }
  const user = await insertUser(trx, {
    tenantId,
    email,
    displayName: identity.name?.trim().slice(0, 100) || email.split('@')[0] || email,
    roles: roles.roles,
    passwordHash: null,
  });
  await trx
    .updateTable('users')
    .set({ sso_subject: identity.subject })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', user.id)
    .execute();
  return user;
}

async function findUserBySubject(
  trx: TenantTransaction,
  tenantId: string,
  subject: string,
): Promise<StoredUser | undefined> {
  const row = await trx
    .selectFrom('users')
    .select('email')
    .where('tenant_id', '=', tenantId)
    .where('sso_subject', '=', subject)
    .executeTakeFirst();
  return row && findUserByEmail(trx, tenantId, row.email);
}

async function updateRoles(
  trx: TenantTransaction,
  tenantId: string,
  user: StoredUser,
  roles: Role[],
): Promise<StoredUser> {
  if (sameRoles(user.roles, roles)) return user;
  await trx.updateTable('users').set({ roles }).where('tenant_id', '=', tenantId).where('id', '=', user.id).execute();
  return { ...user, roles };
}

const sameRoles = (a: Role[], b: Role[]) => a.length === b.length && a.every((role) => b.includes(role));
