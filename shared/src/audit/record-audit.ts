import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { AuditAction, AuditDetails, AuditTarget } from '../contract/audit.ts';
import type { Database } from '../database/schema.ts';
import { entryHash, genesisHash, personalDigest, type ChainedFields, type PersonalFields } from './audit-chain.ts';
import type { AuditSource } from './audit-source.ts';

/** What a writer tells the audit trail; `recordAudit` adds the time, the sequence number and the hashes. */
export interface AuditRecord {
  tenantId: string;
  action: AuditAction;
  /** Who acted; the name is looked up in `users` when not given. Null when nobody is known (failed sign-in). */
  actor: { userId: string; name?: string } | null;
  target?: AuditTarget | null;
  source: AuditSource;
  details?: AuditDetails;
  /** Personal facts beyond who and where (the address a failed sign-in tried): erased with the person. */
  personalDetails?: Record<string, string>;
}

/**
 * Appends one entry to the tenant's audit trail. Inside a transaction it becomes part of it (the entry
 * commits with the action, or neither does); given the pool, it opens its own. A per-tenant advisory
 * lock, held to the end of the transaction, makes each entry follow the tenant's latest one.
 *
 * Works as the services' role under the tenant's row-level security (the transaction must have entered
 * the tenant) and as the owner (the collaboration tier).
 */
export async function recordAudit(db: Kysely<Database>, record: AuditRecord): Promise<number> {
  return db.isTransaction ? append(db, record) : db.transaction().execute((trx) => append(trx, record));
}

async function append(trx: Kysely<Database>, record: AuditRecord): Promise<number> {
  const { tenantId } = record;
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`audit:${tenantId}`}, 0))`.execute(trx);
  const head = await trx
    .selectFrom('audit_entries')
    .select(['seq', 'hash'])
    .where('tenant_id', '=', tenantId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const actorName = record.actor ? (record.actor.name ?? (await nameOf(trx, tenantId, record.actor.userId))) : null;
  const personal: PersonalFields = {
    salt: randomBytes(16).toString('hex'),
    actorName,
    address: record.source.address,
    userAgent: record.source.userAgent?.slice(0, 500) ?? null,
    details: record.personalDetails ?? null,
  };
  const fields: ChainedFields = {
    tenantId,
    seq: head ? Number(head.seq) + 1 : 1,
    at: new Date().toISOString(),
    actorId: record.actor?.userId ?? null,
    action: record.action,
    targetType: record.target?.type ?? null,
    targetId: record.target?.id ?? null,
    traceId: record.source.traceId,
    details: record.details ?? {},
    personalDigest: personalDigest(personal),
  };
  const prevHash = head?.hash ?? genesisHash;
  await trx
    .insertInto('audit_entries')
    .values({
      tenant_id: tenantId,
      seq: fields.seq,
      at: new Date(fields.at),
      actor_id: fields.actorId,
      action: fields.action,
      target_type: fields.targetType,
      target_id: fields.targetId,
      trace_id: fields.traceId,
      details: JSON.stringify(fields.details),
      actor_name: personal.actorName,
      address: personal.address,
      user_agent: personal.userAgent,
      personal_details: personal.details && JSON.stringify(personal.details),
      personal_salt: personal.salt,
      personal_digest: fields.personalDigest,
      prev_hash: prevHash,
      hash: entryHash(fields, prevHash),
    })
    .execute();
  return fields.seq;
}

async function nameOf(trx: Kysely<Database>, tenantId: string, userId: string): Promise<string | null> {
  const row = await trx
    .selectFrom('users')
    .select('display_name')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', userId)
    .executeTakeFirst();
  return row?.display_name ?? null;
}
