import type { Tenant } from '@pocdojo/shared/contract/auth';
import { sql } from 'kysely';
import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';
import { verifyPassword } from './passwords.ts';

/** One team an email address belongs to, with what checking a password there needs. */
export interface Membership {
  tenant: Tenant;
  userId: string;
  /** Null for people provisioned by their company's identity provider. */
  passwordHash: string | null;
}

/**
 * How many teams of one address a login tries. Each costs a password check (argon2, ~19 MiB); a person
 * in more teams signs in to the later ones with the team's slug.
 */
export const maxTeamsPerEmail = 20;

/**
 * The teams `email` belongs to, oldest membership first, across tenants: through the one SECURITY
 * DEFINER function that may look past row-level security for this (see its migration). Runs in a
 * `withAppRole` transaction that has not entered a tenant.
 */
export async function findMembershipsByEmail(trx: TenantTransaction, email: string): Promise<Membership[]> {
  const { rows } = await sql<{
    tenant_id: string;
    tenant_name: string;
    tenant_slug: string;
    user_id: string;
    password_hash: string | null;
  }>`SELECT * FROM pocdojo_memberships_by_email(${email}, ${maxTeamsPerEmail})`.execute(trx);
  return rows.map((row) => ({
    tenant: { id: row.tenant_id, name: row.tenant_name, slug: row.tenant_slug },
    userId: row.user_id,
    passwordHash: row.password_hash,
  }));
}

/**
 * The memberships whose password is `password`. The checks run side by side on libuv's thread pool, so
 * an address in a few teams answers in about the time of one check, and an address in none still costs
 * one check: the time taken says little about which addresses have accounts.
 */
export async function membershipsWithPassword(memberships: Membership[], password: string): Promise<Membership[]> {
  if (memberships.length === 0) {
    await verifyPassword(undefined, password);
    return [];
  }
  const matches = await Promise.all(memberships.map((membership) => verifyPassword(membership.passwordHash, password)));
  return memberships.filter((_, index) => matches[index]);
}
