import { recordAudit, traceIdFrom, type AuditRecord, type AuditSource } from '@pocdojo/shared';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.ts';
import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';

/** Where a request came from, for its audit entries (the address honours API_TRUST_PROXY). */
export function auditSourceOf(request: FastifyRequest): AuditSource {
  const userAgent = request.headers['user-agent'];
  return {
    address: request.ip ?? null,
    userAgent: userAgent ?? null,
    traceId: traceIdFrom(request.headers.traceparent),
  };
}

/** Records what the caller did, in the transaction that did it (the entry commits with the action). */
export async function auditCaller(
  trx: TenantTransaction,
  request: FastifyRequest,
  principal: Principal,
  entry: Pick<AuditRecord, 'action' | 'target' | 'details'>,
): Promise<void> {
  await recordAudit(trx, {
    ...entry,
    tenantId: principal.tenantId,
    actor: { userId: principal.userId },
    source: auditSourceOf(request),
  });
}
