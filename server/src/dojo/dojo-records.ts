import { sql, type Kysely } from 'kysely';
import type { z } from 'zod';
import { recordAudit, serverSource, withTenant, type Database } from '@pocdojo/shared';
import type { CodeFiles } from '@pocdojo/shared/contract/dojo-code';
import { controlStateSchema } from '@pocdojo/shared/contract/dojo-documents';
import type { DojoAuditEntry } from './dojo-audit.ts';
import type { TurnEndReason } from './dojo-session.ts';

const formatSchema = controlStateSchema.shape.format.unwrap();

export interface DojoKey {
  tenantId: string;
  dojoId: string;
}

export type FileSnapshot = CodeFiles;

export interface TurnRecord {
  turn: number;
  driverId: string | null;
  navigatorId: string | null;
  reason: TurnEndReason;
  startedAt: number | null;
  endedAt: number;
  files: FileSnapshot;
}

/** How long a claimed turn end may stay unapplied before another node may apply it (its claimer died). */
const staleClaimMs = 30_000;

/**
 * The dojo rules' rows outside the documents: removals, the snapshot of each ended turn, the session
 * summary. Each method works in a transaction of the dojo's tenant, under row-level security like the
 * REST API that reads the same rows; the explicit tenant filters stay, so the plans use the keys.
 */
export class DojoRecords {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly nodeId: string,
  ) {}

  /** Appends to the dojo's tenant's audit trail; `actor` null when the server acted (the turn timer). */
  async audit(key: DojoKey, actor: { userId: string; name: string } | null, entry: DojoAuditEntry): Promise<void> {
    await withTenant(this.db, key.tenantId, (trx) =>
      recordAudit(trx, { ...entry, tenantId: key.tenantId, actor, source: serverSource() }),
    );
  }

  async isRemoved(key: DojoKey, userId: string): Promise<boolean> {
    const row = await withTenant(this.db, key.tenantId, (trx) =>
      trx
        .selectFrom('dojo_removals')
        .select('user_id')
        .where('tenant_id', '=', key.tenantId)
        .where('dojo_id', '=', key.dojoId)
        .where('user_id', '=', userId)
        .executeTakeFirst(),
    );
    return row !== undefined;
  }

  /** Records a removal; the API's join refuses the member too (`dojo_members.removed`) when it has a row. */
  async remove(key: DojoKey, userId: string, removedBy: string): Promise<void> {
    await withTenant(this.db, key.tenantId, async (trx) => {
      await trx
        .insertInto('dojo_removals')
        .values({ tenant_id: key.tenantId, dojo_id: key.dojoId, user_id: userId, removed_by: removedBy })
        .onConflict((c) => c.doNothing())
        .execute();
      await trx
        .updateTable('dojo_members')
        .set({ removed: true })
        .where('tenant_id', '=', key.tenantId)
        .where('dojo_id', '=', key.dojoId)
        .where('user_id', '=', userId)
        .execute();
    });
  }

  /**
   * Claims the end of a turn by storing its snapshot: the primary key (tenant, dojo, turn) lets exactly
   * one node end each turn. 'taken' when another node did; 'stale' when it did long ago but the control
   * state still shows the turn (the claimer died before writing it), so the state may be moved on.
   */
  async claimTurnEnd(key: DojoKey, record: TurnRecord): Promise<'claimed' | 'taken' | 'stale'> {
    return withTenant(this.db, key.tenantId, async (trx) => {
      const inserted = await trx
        .insertInto('dojo_turns')
        .values({
          tenant_id: key.tenantId,
          dojo_id: key.dojoId,
          turn: record.turn,
          driver_id: record.driverId,
          navigator_id: record.navigatorId,
          reason: record.reason,
          started_at: record.startedAt === null ? null : new Date(record.startedAt),
          ended_at: new Date(record.endedAt),
          files: JSON.stringify(record.files),
          node_id: this.nodeId,
        })
        .onConflict((c) => c.doNothing())
        .returning('turn')
        .executeTakeFirst();
      if (inserted) return 'claimed';
      const existing = await trx
        .selectFrom('dojo_turns')
        .select(sql<boolean>`ended_at < now() - ${staleClaimMs} * interval '1 millisecond'`.as('stale'))
        .where('tenant_id', '=', key.tenantId)
        .where('dojo_id', '=', key.dojoId)
        .where('turn', '=', record.turn)
        .executeTakeFirst();
      return existing?.stale ? 'stale' : 'taken';
    });
  }

  /** Format and turn length of the dojo as the API created it, when it did (tokens may name any dojo). */
  async dojoSettings(
    key: DojoKey,
  ): Promise<{ format: z.infer<typeof formatSchema>; turnSeconds: number | null } | undefined> {
    const row = await withTenant(this.db, key.tenantId, (trx) =>
      trx
        .selectFrom('dojos')
        .select(['format', 'turn_minutes'])
        .where('tenant_id', '=', key.tenantId)
        .where('id', '=', key.dojoId)
        .executeTakeFirst(),
    );
    const format = formatSchema.safeParse(row?.format);
    if (!row || !format.success) return undefined;
    return { format: format.data, turnSeconds: row.turn_minutes === null ? null : row.turn_minutes * 60 };
  }

  /** The dojo's language as the API stored it (free text), when the API created the dojo. */
  async dojoLanguage(key: DojoKey): Promise<string | undefined> {
    const row = await withTenant(this.db, key.tenantId, (trx) =>
      trx
        .selectFrom('dojos')
        .select('language')
        .where('tenant_id', '=', key.tenantId)
        .where('id', '=', key.dojoId)
        .executeTakeFirst(),
    );
    return row?.language;
  }

  /** The session summary at end, linked to the dojo's POC when the dojo was opened on one. */
  async recordSession(key: DojoKey, format: string, summary: Record<string, unknown>): Promise<void> {
    await withTenant(this.db, key.tenantId, async (trx) => {
      const dojo = await trx
        .selectFrom('dojos')
        .select('poc_id')
        .where('tenant_id', '=', key.tenantId)
        .where('id', '=', key.dojoId)
        .executeTakeFirst();
      await trx
        .insertInto('dojo_sessions')
        .values({
          tenant_id: key.tenantId,
          dojo_id: key.dojoId,
          poc_id: dojo?.poc_id ?? null,
          format,
          ended_at: new Date(),
          summary: JSON.stringify(summary),
        })
        .onConflict((c) =>
          c.columns(['tenant_id', 'dojo_id']).doUpdateSet((eb) => ({
            ended_at: eb.ref('excluded.ended_at'),
            summary: eb.ref('excluded.summary'),
          })),
        )
        .execute();
    });
  }

  /**
   * A reopened dojo is running again: its summary goes, so that the API, which reads a summary as "this
   * dojo has ended", agrees with the control state. The next end writes a new one.
   */
  async reopen(key: DojoKey): Promise<void> {
    await withTenant(this.db, key.tenantId, (trx) =>
      trx.deleteFrom('dojo_sessions').where('tenant_id', '=', key.tenantId).where('dojo_id', '=', key.dojoId).execute(),
    );
  }

  async turns(
    key: DojoKey,
  ): Promise<Array<{ turn: number; started_at: Date | null; ended_at: Date; driver_id: string | null }>> {
    return withTenant(this.db, key.tenantId, (trx) =>
      trx
        .selectFrom('dojo_turns')
        .select(['turn', 'started_at', 'ended_at', 'driver_id'])
        .where('tenant_id', '=', key.tenantId)
        .where('dojo_id', '=', key.dojoId)
        .orderBy('turn')
        .execute(),
    );
  }
}
