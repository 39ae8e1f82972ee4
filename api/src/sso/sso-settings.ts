import { groupRolesSchema, type GroupRoles } from '@pocdojo/shared/contract/sso';
import { roleSchema, type Role } from '@pocdojo/shared';
import { z } from 'zod';
import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';

/** A tenant's stored single sign-on configuration (secret still sealed). */
export interface StoredSsoSettings {
  tenantId: string;
  issuer: string;
  clientId: string;
  clientSecretSealed: string;
  defaultRole: Role;
  groupsClaim: string | null;
  groupRoles: GroupRoles[];
  updatedAt: Date;
}

export interface SsoDomain {
  domain: string;
  verified: boolean;
}

const groupRolesListSchema = z.array(groupRolesSchema);

export async function findSsoSettings(
  trx: TenantTransaction,
  tenantId: string,
): Promise<StoredSsoSettings | undefined> {
  const row = await trx.selectFrom('tenant_sso').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
  return (
    row && {
      tenantId: row.tenant_id,
      issuer: row.issuer,
      clientId: row.client_id,
      clientSecretSealed: row.client_secret_sealed,
      defaultRole: roleSchema.parse(row.default_role),
      groupsClaim: row.groups_claim,
      groupRoles: groupRolesListSchema.parse(row.group_roles),
      updatedAt: row.updated_at,
    }
  );
}

export async function saveSsoSettings(
  trx: TenantTransaction,
  settings: Omit<StoredSsoSettings, 'updatedAt'>,
): Promise<void> {
  const values = {
    issuer: settings.issuer,
    client_id: settings.clientId,
    client_secret_sealed: settings.clientSecretSealed,
    default_role: settings.defaultRole,
    groups_claim: settings.groupsClaim,
    group_roles: JSON.stringify(settings.groupRoles),
  };
  await trx
    .insertInto('tenant_sso')
    .values({ tenant_id: settings.tenantId, ...values })
    .onConflict((c) => c.column('tenant_id').doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
}

export async function deleteSsoSettings(trx: TenantTransaction, tenantId: string): Promise<void> {
  await trx.deleteFrom('tenant_sso_domains').where('tenant_id', '=', tenantId).execute();
  await trx.deleteFrom('tenant_sso').where('tenant_id', '=', tenantId).execute();
  await setPasswordSignIn(trx, tenantId, true);
}

export async function listSsoDomains(trx: TenantTransaction, tenantId: string): Promise<SsoDomain[]> {
  const rows = await trx
    .selectFrom('tenant_sso_domains')
    .select(['domain', 'verified_at'])
    .where('tenant_id', '=', tenantId)
    .orderBy('domain')
    .execute();
  return rows.map((row) => ({ domain: row.domain, verified: row.verified_at !== null }));
}

/** Replaces the tenant's claimed domains; domains kept keep their verification. */
export async function replaceSsoDomains(trx: TenantTransaction, tenantId: string, domains: string[]): Promise<void> {
  const wanted = [...new Set(domains)];
  let removal = trx.deleteFrom('tenant_sso_domains').where('tenant_id', '=', tenantId);
  if (wanted.length > 0) removal = removal.where('domain', 'not in', wanted);
  await removal.execute();
  if (wanted.length === 0) return;
  await trx
    .insertInto('tenant_sso_domains')
    .values(wanted.map((domain) => ({ tenant_id: tenantId, domain })))
    .onConflict((c) => c.columns(['tenant_id', 'domain']).doNothing())
    .execute();
}

export async function unverifySsoDomains(trx: TenantTransaction, tenantId: string): Promise<void> {
  await trx.updateTable('tenant_sso_domains').set({ verified_at: null }).where('tenant_id', '=', tenantId).execute();
}

/**
 * Marks the tenant's claim on `domain` verified, unless another tenant verified it first (a verified
 * domain belongs to one tenant). Answers whether the claim is now verified.
 */
export async function verifySsoDomain(trx: TenantTransaction, tenantId: string, domain: string): Promise<boolean> {
  const takenElsewhere = await trx
    .selectFrom('tenant_sso_domains')
    .select('tenant_id')
    .where('domain', '=', domain)
    .where('verified_at', 'is not', null)
    .where('tenant_id', '!=', tenantId)
    .executeTakeFirst();
  if (takenElsewhere) return false;
  const updated = await trx
    .updateTable('tenant_sso_domains')
    .set({ verified_at: new Date() })
    .where('tenant_id', '=', tenantId)
    .where('domain', '=', domain)
    .where('verified_at', 'is', null)
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}

/** The tenant that verified `domain` for single sign-on, if any (the directory is readable by all). */
export async function findTenantOfDomain(
  trx: TenantTransaction,
  domain: string,
): Promise<{ id: string; name: string; slug: string; passwordSignIn: boolean } | undefined> {
  const row = await trx
    .selectFrom('tenant_sso_domains as d')
    .innerJoin('tenants as t', 't.id', 'd.tenant_id')
    .select(['t.id', 't.name', 't.slug', 't.password_sign_in'])
    .where('d.domain', '=', domain)
    .where('d.verified_at', 'is not', null)
    .executeTakeFirst();
  return row && { id: row.id, name: row.name, slug: row.slug, passwordSignIn: row.password_sign_in };
}

export async function setPasswordSignIn(trx: TenantTransaction, tenantId: string, allowed: boolean): Promise<void> {
  await trx.updateTable('tenants').set({ password_sign_in: allowed }).where('id', '=', tenantId).execute();
}

/** The tenants among `tenantIds` whose admins turned password sign-in off. */
export async function tenantsWithoutPasswords(trx: TenantTransaction, tenantIds: string[]): Promise<Set<string>> {
  if (tenantIds.length === 0) return new Set();
  const rows = await trx
    .selectFrom('tenants')
    .select('id')
    .where('id', 'in', tenantIds)
    .where('password_sign_in', '=', false)
    .execute();
  return new Set(rows.map((row) => row.id));
}
