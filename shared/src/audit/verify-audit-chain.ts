import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.ts';
import { entryHash, genesisHash, personalDigest } from './audit-chain.ts';

export interface ChainBreak {
  seq: number;
  reason: 'missing entry' | 'previous hash does not match' | 'personal fields changed' | 'entry changed';
}

export interface ChainReport {
  tenantId: string;
  entries: number;
  /** The last entry's hash: note it somewhere else to detect later removal of the chain's tail. */
  headHash: string;
  firstBroken: ChainBreak | null;
}

const pageSize = 1000;

/**
 * Walks a tenant's audit entries in order and recomputes every link; stops at the first broken one.
 * Reads as the database owner (every tenant, no row-level security).
 */
export async function verifyAuditChain(db: Kysely<Database>, tenantId: string): Promise<ChainReport> {
  let expectedSeq = 1;
  let prevHash = genesisHash;
  for (;;) {
    const rows = await db
      .selectFrom('audit_entries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('seq', '>=', String(expectedSeq))
      .orderBy('seq')
      .limit(pageSize)
      .execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      const broken = (reason: ChainBreak['reason'], at = seq): ChainReport => ({
        tenantId,
        entries: expectedSeq - 1,
        headHash: prevHash,
        firstBroken: { seq: at, reason },
      });
      // A gap: the entry expected here is gone (the rows after it may well be intact).
      if (seq !== expectedSeq) return broken('missing entry', expectedSeq);
      if (row.prev_hash !== prevHash) return broken('previous hash does not match');
      if (
        row.personal_salt !== null &&
        personalDigest({
          salt: row.personal_salt,
          actorName: row.actor_name,
          address: row.address,
          userAgent: row.user_agent,
          details: row.personal_details,
        }) !== row.personal_digest
      ) {
        return broken('personal fields changed');
      }
      const recomputed = entryHash(
        {
          tenantId: row.tenant_id,
          seq,
          at: row.at.toISOString(),
          actorId: row.actor_id,
          action: row.action,
          targetType: row.target_type,
          targetId: row.target_id,
          traceId: row.trace_id,
          details: row.details,
          personalDigest: row.personal_digest,
        },
        row.prev_hash,
      );
      if (recomputed !== row.hash) return broken('entry changed');
      prevHash = row.hash;
      expectedSeq += 1;
    }
    if (rows.length < pageSize) return { tenantId, entries: expectedSeq - 1, headHash: prevHash, firstBroken: null };
  }
}
