import { DomainError, revokeTokensOf, roleSchema, type Role } from '@pocdojo/shared';
import type { User } from '@pocdojo/shared/contract/auth';
import { newId } from '../tenancy/identifiers.ts';
import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';

export interface StoredUser extends User {
  /** Null for people provisioned by the tenant's identity provider: they sign in there. */
  passwordHash: string | null;
  createdAt: string;
}

const userColumns = ['id', 'email', 'display_name', 'roles', 'password_hash', 'created_at'] as const;

function toUser(row: {
  id: string;
  email: string;
  display_name: string;
  roles: string[];
  password_hash: string | null;
  created_at: Date;
}): StoredUser {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    roles: row.roles.map((role) => roleSchema.parse(role)),
    passwordHash: row.password_hash,
    createdAt: row.created_at.toISOString(),
  };
}

export const publicUser = (user: StoredUser): User => ({
  id: user.id,
  email: user.email,
  displayName: user.displayName,
  roles: user.roles,
});

export async function insertUser(
  trx: TenantTransaction,
  user: { tenantId: string; email: string; displayName: string; roles: Role[]; passwordHash: string | null },
): Promise<StoredUser> {
  const row = await trx
    .insertInto('users')
    .values({
      id: newId('u'),
      tenant_id: user.tenantId,
      email: user.email,
      display_name: user.displayName,
      roles: user.roles,
      password_hash: user.passwordHash,
    })
    .onConflict((c) => c.constraint('users_tenant_email_key').doNothing())
    .returning(userColumns)
    .executeTakeFirst();
  if (!row) throw new DomainError('conflict', 'a user with this email already exists in the tenant');
  return toUser(row);
}

export async function findUserByEmail(
  trx: TenantTransaction,
  tenantId: string,
  email: string,
): Promise<StoredUser | undefined> {
  const row = await trx
    .selectFrom('users')
    .select(userColumns)
    .where('tenant_id', '=', tenantId)
    .where('email', '=', email)
    .executeTakeFirst();
  return row && toUser(row);
}

/** Whether `id` is a current member of the tenant, a person erased from it (the row stays), or nobody there. */
export async function membership(
  trx: TenantTransaction,
  tenantId: string,
  id: string,
): Promise<'member' | 'erased' | undefined> {
  const row = await trx
    .selectFrom('users')
    .select('erased_at')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  return row.erased_at === null ? 'member' : 'erased';
}

export async function findUserById(
  trx: TenantTransaction,
  tenantId: string,
  id: string,
): Promise<StoredUser | undefined> {
  const row = await trx
    .selectFrom('users')
    .select(userColumns)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toUser(row);
}

/**
 * Sets a person's roles, revoking their tokens when the roles change; returns the roles they had, or
 * undefined when there is no such (current) person.
 */
export async function changeRoles(
  trx: TenantTransaction,
  tenantId: string,
  id: string,
  roles: Role[],
): Promise<{ before: Role[]; user: StoredUser } | undefined> {
  const before = await trx
    .selectFrom('users')
    .select('roles')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('erased_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  if (!before) return undefined;
  const row = await trx
    .updateTable('users')
    .set({ roles })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returning(userColumns)
    .executeTakeFirstOrThrow();
  const user = toUser(row);
  // A token carries the roles it was issued with: revoking the member's tokens makes their sessions come
  // back for new ones (the SDK refreshes on the 401), so a demoted admin stops being one at once.
  if ([...before.roles].sort().join() !== [...user.roles].sort().join()) await revokeTokensOf(trx, id);
  return { before: before.roles.map((role) => roleSchema.parse(role)), user };
}

export async function listUsers(trx: TenantTransaction, tenantId: string): Promise<StoredUser[]> {
  const rows = await trx
    .selectFrom('users')
    .select(userColumns)
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at')
    .orderBy('id')
    .limit(1000)
    .execute();
  return rows.map(toUser);
}
