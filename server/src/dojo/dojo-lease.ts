import { sql, type Kysely } from 'kysely';
import type { Database } from '@pocdojo/shared';

/**
 * Which node runs a dojo's turn timer: a lease row with an expiry on the database clock, so node clocks
 * do not matter. The holder renews it well before it expires; a node that dies stops renewing and
 * another node with clients in that dojo takes over once it expires. A row instead of the advisory
 * lock the compactor uses: a session-level advisory lock pins one pooled connection per held lock,
 * and one node may run the timers of hundreds of dojos.
 */
export class DojoLeases {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly nodeId: string,
    readonly ttlMs: number,
  ) {}

  /** Takes or renews the lease; true while this node holds it. */
  async acquire(dojoKey: string): Promise<boolean> {
    const row = await sql<{ node_id: string }>`
      INSERT INTO dojo_leases (dojo_key, node_id, expires_at)
      VALUES (${dojoKey}, ${this.nodeId}, now() + ${this.ttlMs} * interval '1 millisecond')
      ON CONFLICT (dojo_key) DO UPDATE SET node_id = excluded.node_id, expires_at = excluded.expires_at
      WHERE dojo_leases.node_id = excluded.node_id OR dojo_leases.expires_at < now()
      RETURNING node_id`.execute(this.db);
    return row.rows[0]?.node_id === this.nodeId;
  }

  /** Gives the lease up at once (last client gone, shutdown), so another node need not wait for expiry. */
  async release(dojoKey: string): Promise<void> {
    await this.db
      .deleteFrom('dojo_leases')
      .where('dojo_key', '=', dojoKey)
      .where('node_id', '=', this.nodeId)
      .execute();
  }
}
