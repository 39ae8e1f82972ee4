import { withTenant, type Database, type Logger, type TenantTransaction } from '@pocdojo/shared';
import { sql, type Kysely } from 'kysely';
import type { OpenSearchGateway } from './opensearch-client.ts';
import { bulkDeleteLines, bulkIndexLines, tenantAlias, type PocDocumentSource } from './opensearch-documents.ts';

/**
 * Feeds OpenSearch from Postgres, the source of truth.
 *
 * `drainOnce` takes a batch of pending outbox rows, tenant by tenant in a transaction of each (row-level
 * security; a database function names the tenants with rows waiting), FOR UPDATE SKIP LOCKED so that
 * several API processes can drain side by side, sends the *current* state of each POC with its version as an external
 * version, and marks the rows processed only after OpenSearch answered. A crash in between re-sends
 * the batch: at-least-once delivery, made idempotent by the versions (an older or equal version is a
 * 409 that counts as done). A deleted POC is never resurrected, because an upsert re-reads Postgres.
 *
 * `reindex` rebuilds everything into a fresh physical index, swaps every alias onto it atomically, then
 * replays the outbox rows written since it started, so changes made during the copy are not lost.
 * It reads every tenant's POCs, so it runs as the tables' owner (`npm run api:reindex` logs in with
 * DATABASE_OWNER_URL when set).
 */
export interface OutboxRow {
  id: string;
  tenant_id: string;
  poc_id: string;
  version: number;
  operation: 'upsert' | 'delete';
}

export interface DrainOutcome {
  processed: number;
  failed: number;
}

/** Processed outbox rows are kept this long for reindex replays, then pruned. */
const retention = '1 day';

export class SearchIndexer {
  private readonly knownAliases = new Set<string>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly gateway: OpenSearchGateway,
    /** The write alias; physical indices are `<index>-v<n>`. */
    private readonly index: string,
    private readonly logger: Logger,
  ) {}

  /** Creates the first physical index behind the write alias when there is none. */
  async ensureIndex(): Promise<void> {
    if ((await this.gateway.indicesOf(this.index)).length > 0) return;
    try {
      await this.gateway.createIndex(`${this.index}-v1`, { [this.index]: { is_write_index: true } });
    } catch (error) {
      // Another process may have created it a moment ago.
      if ((await this.gateway.indicesOf(this.index)).length === 0) throw error;
    }
  }

  async drainOnce(batchSize = 200): Promise<DrainOutcome> {
    const outcome: DrainOutcome = { processed: 0, failed: 0 };
    const waiting = await sql<{ tenant: string }>`
      SELECT tenant FROM pocdojo_search_outbox_tenants(${batchSize}) AS tenant`.execute(this.db);
    for (const { tenant } of waiting.rows) {
      const room = batchSize - outcome.processed - outcome.failed;
      if (room <= 0) break;
      const drained = await withTenant(this.db, tenant, (trx) => this.drainTenant(trx, room));
      outcome.processed += drained.processed;
      outcome.failed += drained.failed;
    }
    return outcome;
  }

  /** One tenant's pending rows, up to `batchSize`, in that tenant's transaction. */
  private async drainTenant(trx: TenantTransaction, batchSize: number): Promise<DrainOutcome> {
    const rows = await trx
      .selectFrom('search_outbox')
      .select(['id', 'tenant_id', 'poc_id', 'version', 'operation'])
      .where('processed_at', 'is', null)
      .orderBy('id')
      .limit(batchSize)
      .forUpdate()
      .skipLocked()
      .execute();
    if (rows.length === 0) return { processed: 0, failed: 0 };
    const { done, failed } = await this.apply(trx, rows, this.index);
    if (done.length > 0) {
      await trx
        .updateTable('search_outbox')
        .set({ processed_at: sql`now()` })
        .where('id', 'in', done)
        .execute();
    }
    if (failed.length > 0) {
      await trx
        .updateTable('search_outbox')
        .set({ attempts: sql`attempts + 1` })
        .where('id', 'in', failed)
        .execute();
    }
    return { processed: done.length, failed: failed.length };
  }

  async prune(): Promise<void> {
    await sql`SELECT pocdojo_prune_search_outbox(${retention}::interval)`.execute(this.db);
  }

  /** Sends a batch of changes to `target`; returns which outbox rows are done and which must be retried. */
  async apply(trx: Kysely<Database>, rows: OutboxRow[], target: string): Promise<{ done: string[]; failed: string[] }> {
    const byPoc = new Map<string, OutboxRow[]>();
    for (const row of rows) byPoc.set(row.poc_id, [...(byPoc.get(row.poc_id) ?? []), row]);
    const current = await this.loadPocs(trx, [...byPoc.keys()]);
    const lines: Record<string, unknown>[] = [];
    for (const [pocId, changes] of byPoc) {
      const poc = current.get(pocId);
      const deletion = changes.filter((c) => c.operation === 'delete').at(-1);
      if (deletion) {
        lines.push(...bulkDeleteLines(target, { pocId, tenantId: deletion.tenant_id, version: deletion.version }));
      } else if (poc) {
        await this.ensureTenantAlias(poc.tenantId);
        lines.push(...bulkIndexLines(target, poc));
      }
      // Neither: deleted since the upsert was queued; nothing to send, and its rows count as done.
    }
    const failedPocs = new Set<string>();
    for (const item of await this.gateway.bulk(lines)) {
      // 409: OpenSearch already holds this or a newer version; 404 on delete: already gone.
      const fine =
        (item.status >= 200 && item.status < 300) ||
        item.status === 409 ||
        (item.operation === 'delete' && item.status === 404);
      if (!fine) {
        failedPocs.add(item.id);
        this.logger.warn({ pocId: item.id, status: item.status, error: item.error }, 'search index update failed');
      }
    }
    const done: string[] = [];
    const failed: string[] = [];
    for (const [pocId, changes] of byPoc) {
      (failedPocs.has(pocId) ? failed : done).push(...changes.map((c) => c.id));
    }
    return { done, failed };
  }

  async reindex(batchSize = 1000): Promise<{ documents: number; index: string }> {
    const started = await this.db
      .selectFrom('search_outbox')
      .select(sql<string>`coalesce(max(id), 0)::text`.as('last'))
      .executeTakeFirstOrThrow();
    const target = `${this.index}-v${Date.now()}`;
    await this.gateway.createIndex(target, {});
    let documents = 0;
    let after = '';
    for (;;) {
      const page = await this.db
        .selectFrom('pocs')
        .select(['id'])
        .where('id', '>', after)
        .orderBy('id')
        .limit(batchSize)
        .execute();
      if (page.length === 0) break;
      const pocs = await this.loadPocs(
        this.db,
        page.map((p) => p.id),
      );
      const lines = [...pocs.values()].flatMap((poc) => bulkIndexLines(target, poc));
      const failures = (await this.gateway.bulk(lines)).filter((item) => item.status >= 300 && item.status !== 409);
      if (failures.length > 0)
        throw new Error(`reindex: ${failures.length} documents failed, first: ${failures[0]?.error}`);
      documents += pocs.size;
      after = page.at(-1)?.id ?? after;
    }
    const previous = await this.gateway.indicesOf(this.index);
    const tenants = await this.db.selectFrom('tenants').select('id').execute();
    await this.gateway.updateAliases([
      { add: { index: target, alias: this.index, is_write_index: true } },
      ...tenants.map((tenant) => ({
        add: { index: target, alias: tenantAlias(this.index, tenant.id), ...aliasFilter(tenant.id) },
      })),
      ...previous.map((old) => ({ remove_index: { index: old } })),
    ]);
    for (const tenant of tenants) this.knownAliases.add(tenantAlias(this.index, tenant.id));
    const replay = await this.db
      .selectFrom('search_outbox')
      .select(['id', 'tenant_id', 'poc_id', 'version', 'operation'])
      .where('id', '>', started.last)
      .orderBy('id')
      .execute();
    if (replay.length > 0) await this.apply(this.db, replay, this.index);
    this.logger.info({ index: target, documents, replayed: replay.length, removed: previous }, 'search reindex done');
    return { documents, index: target };
  }

  private async ensureTenantAlias(tenantId: string): Promise<void> {
    const alias = tenantAlias(this.index, tenantId);
    if (this.knownAliases.has(alias)) return;
    await this.gateway.putAlias(this.index, alias, aliasFilter(tenantId));
    this.knownAliases.add(alias);
  }

  private async loadPocs(db: Kysely<Database>, ids: string[]): Promise<Map<string, PocDocumentSource>> {
    if (ids.length === 0) return new Map();
    const rows = await db
      .selectFrom('pocs')
      .select(['id', 'tenant_id', 'name', 'description', 'language', 'tags', 'created_at', 'version'])
      .where('id', 'in', ids)
      .execute();
    return new Map(
      rows.map((row) => [
        row.id,
        {
          id: row.id,
          tenantId: row.tenant_id,
          name: row.name,
          description: row.description,
          language: row.language,
          tags: row.tags,
          createdAt: row.created_at,
          version: row.version,
        },
      ]),
    );
  }
}

const aliasFilter = (tenantId: string) => ({ filter: { term: { tenant_id: tenantId } }, routing: tenantId });
