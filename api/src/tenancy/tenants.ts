import { randomBytes } from 'node:crypto';
import type { Tenant } from '@pocdojo/shared/contract/auth';
import type { TenantTransaction } from './tenant-transaction.ts';

/** `Acme Corp!` → `acme-corp`; names without any latin letter or digit fall back to `team`. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'team';
}

/**
 * Creates the tenant row with a unique slug: the plain slug when free, else the slug with a short
 * random suffix (`slugSuffixed`, so the person can be told). ON CONFLICT keeps the transaction alive
 * when a slug is taken.
 */
export async function insertTenant(
  trx: TenantTransaction,
  id: string,
  name: string,
): Promise<{ tenant: Tenant; slugSuffixed: boolean }> {
  const base = slugify(name);
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const slug = attempt === 0 ? base : `${base}-${randomBytes(3).toString('hex')}`;
    const row = await trx
      .insertInto('tenants')
      .values({ id, name, slug })
      .onConflict((c) => c.column('slug').doNothing())
      .returning(['id', 'name', 'slug'])
      .executeTakeFirst();
    if (row) return { tenant: row, slugSuffixed: attempt > 0 };
  }
  throw new Error(`no free slug for tenant name "${name}"`);
}

/** Slugs are lower-case words and dashes, ids start with `t_`: one lookup serves both without ambiguity. */
export async function findTenantBySlugOrId(trx: TenantTransaction, key: string): Promise<Tenant | undefined> {
  return trx
    .selectFrom('tenants')
    .select(['id', 'name', 'slug'])
    .where((eb) => eb.or([eb('slug', '=', key.toLowerCase()), eb('id', '=', key)]))
    .executeTakeFirst();
}

export async function findTenantById(trx: TenantTransaction, id: string): Promise<Tenant | undefined> {
  return trx.selectFrom('tenants').select(['id', 'name', 'slug']).where('id', '=', id).executeTakeFirst();
}
