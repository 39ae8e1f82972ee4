import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';

/**
 * The write side of the transactional outbox: a POC change and its outbox row commit together, so
 * OpenSearch can never miss a committed change (it may see one twice; indexing is idempotent by
 * id + version). Only written when an OpenSearch engine is configured.
 */
export interface SearchChange {
  tenantId: string;
  pocId: string;
  version: number;
  operation: 'upsert' | 'delete';
}

export async function enqueueSearchChange(trx: TenantTransaction, change: SearchChange): Promise<void> {
  await trx
    .insertInto('search_outbox')
    .values({
      tenant_id: change.tenantId,
      poc_id: change.pocId,
      version: change.version,
      operation: change.operation,
    })
    .execute();
}
