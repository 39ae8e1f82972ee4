import { DomainError } from '@pocdojo/shared';
import { auditEntrySchema, type AuditAction, type AuditEntry } from '@pocdojo/shared/contract/audit';
import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';

export interface AuditFilter {
  person?: string;
  action?: AuditAction;
  from?: string;
  to?: string;
  /** The `seq` of the last entry of the previous page; entries come newest first. */
  before?: number;
  limit: number;
}

/** Cursors are opaque to clients: base64url of the last entry's sequence number. */
export const encodeAuditCursor = (seq: number): string => Buffer.from(`audit:${seq}`).toString('base64url');

export function decodeAuditCursor(cursor: string): number {
  const match = /^audit:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1]) throw new DomainError('invalid', 'cursor is not one this API returned');
  return Number(match[1]);
}

/**
 * One page of the tenant's audit trail, newest first. `person` matches entries the person did or that
 * were done to them; `from` is inclusive, `to` exclusive.
 */
export async function listAuditEntries(
  trx: TenantTransaction,
  tenantId: string,
  filter: AuditFilter,
): Promise<{ items: AuditEntry[]; nextSeq: number | null }> {
  let query = trx.selectFrom('audit_entries').selectAll().where('tenant_id', '=', tenantId);
  if (filter.person) {
    const person = filter.person;
    query = query.where((eb) =>
      eb.or([eb('actor_id', '=', person), eb.and([eb('target_type', '=', 'person'), eb('target_id', '=', person)])]),
    );
  }
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.from) query = query.where('at', '>=', new Date(filter.from));
  if (filter.to) query = query.where('at', '<', new Date(filter.to));
  if (filter.before !== undefined) query = query.where('seq', '<', String(filter.before));
  const rows = await query
    .orderBy('seq', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const page = rows.slice(0, filter.limit);
  const items = page.map((row) =>
    auditEntrySchema.parse({
      seq: Number(row.seq),
      at: row.at.toISOString(),
      actor: { id: row.actor_id, name: row.actor_name },
      action: row.action,
      target: row.target_type && row.target_id ? { type: row.target_type, id: row.target_id } : null,
      address: row.address,
      userAgent: row.user_agent,
      traceId: row.trace_id,
      details: row.details,
      personalDetails: row.personal_details,
      redacted: row.personal_salt === null,
    }),
  );
  const last = items.at(-1);
  return { items, nextSeq: rows.length > filter.limit && last ? last.seq : null };
}
