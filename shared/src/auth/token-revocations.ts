import { sql, type Transaction } from 'kysely';
import type { DatabaseHandle } from '../database/open-database.ts';
import type { Database } from '../database/schema.ts';
import type { Unlisten } from '../database/notifications.ts';
import type { Logger } from '../logging.ts';
import type { Claims } from './claims.ts';
import { TokenError, type TokenVerifier } from './token-verifier.ts';

const channel = 'token_revocations';
const retryMs = 2_000;

/**
 * Refuses every token issued to `userId` so far: when they are erased, or their roles change (a token
 * carries the roles it was issued with). Runs in the caller's transaction; the processes that verify tokens
 * hear of it when that commits. A token issued in the same second as the revocation is still accepted: a
 * token's issue time has whole seconds, and a session refreshed right after a change of roles must work.
 */
export async function revokeTokensOf(trx: Transaction<Database>, userId: string): Promise<void> {
  const revoked = await trx
    .updateTable('users')
    .set({ tokens_valid_after: sql<Date>`now()` })
    .where('id', '=', userId)
    .returning('tokens_valid_after')
    .executeTakeFirst();
  const validAfter = revoked?.tokens_valid_after;
  if (validAfter) await sql`SELECT pg_notify(${channel}, ${`${userId} ${validAfter.getTime()}`})`.execute(trx);
}

export type RevocationListener = (userId: string) => void;

/**
 * The revocations every token this process verifies is checked against, held in memory: a request or a
 * join costs no query. They are read whole when the process starts and whenever its notification
 * connection comes back (a revocation may have been missed while it was away), and kept current by the
 * notification each revocation sends. Until the first read a process is not ready (`status`, `firstRead`):
 * it could not tell a revoked token from a good one.
 */
export class TokenRevocations {
  /** Per person, the time (epoch ms) before which their tokens are refused. */
  private validAfter = new Map<string, number>();
  private readonly listeners = new Set<RevocationListener>();
  private unlisten: Unlisten | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  /** A readiness condition: true once read, else why not. */
  status: true | string = 'not yet read';
  /** Resolves once the revocations have been read. */
  readonly firstRead: Promise<void>;
  private markRead: () => void = () => undefined;

  private constructor(
    private readonly database: Pick<DatabaseHandle, 'db' | 'listen'>,
    private readonly logger: Logger,
  ) {
    this.firstRead = new Promise((resolve) => (this.markRead = resolve));
  }

  static start(database: Pick<DatabaseHandle, 'db' | 'listen'>, logger: Logger): TokenRevocations {
    const revocations = new TokenRevocations(database, logger);
    void revocations.listen();
    return revocations;
  }

  /** Whether these claims come from a token issued before its holder's tokens were revoked. */
  isRevoked(claims: Pick<Claims, 'sub' | 'iat'>): boolean {
    const validAfter = this.validAfter.get(claims.sub);
    if (validAfter === undefined) return false;
    return (claims.iat ?? 0) < Math.floor(validAfter / 1000);
  }

  /** Calls `listener` with each person whose tokens are revoked from now on. */
  onRevoked(listener: RevocationListener): void {
    this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.unlisten?.();
  }

  private async listen(): Promise<void> {
    try {
      this.unlisten = await this.database.listen(channel, {
        notified: (payload) => this.revoked(payload),
        resumed: () => void this.readAll(),
      });
      if (this.closed) await this.unlisten();
    } catch (error) {
      if (this.closed) return;
      this.logger.warn({ err: error, retryInMs: retryMs }, 'token revocation notifications unavailable; will retry');
      this.retry = setTimeout(() => void this.listen(), retryMs);
    }
  }

  private revoked(payload: string): void {
    const [userId, at] = payload.split(' ');
    const validAfter = Number(at);
    if (!userId || !Number.isFinite(validAfter)) {
      this.logger.warn({ payload }, 'token revocation notification not understood');
      return;
    }
    this.validAfter.set(userId, Math.max(validAfter, this.validAfter.get(userId) ?? 0));
    for (const listener of this.listeners) listener(userId);
  }

  private async readAll(): Promise<void> {
    clearTimeout(this.retry);
    try {
      const { rows } = await sql<{ user_id: string; valid_after: Date }>`
        SELECT user_id, valid_after FROM pocdojo_token_revocations()`.execute(this.database.db);
      const current = new Map(rows.map((row) => [row.user_id, row.valid_after.getTime()]));
      // What arrived while the notifications were away (on a re-read): its holders may be connected now.
      const missed = rows.filter((row) => (this.validAfter.get(row.user_id) ?? 0) < row.valid_after.getTime());
      this.validAfter = current;
      this.status = true;
      this.markRead();
      for (const { user_id } of missed) for (const listener of this.listeners) listener(user_id);
    } catch (error) {
      if (this.closed) return;
      // Before the migrations have run the function does not exist yet; nor does anything it would return.
      this.status = `not read: ${error instanceof Error ? error.message : String(error)}`;
      this.retry = setTimeout(() => void this.readAll(), retryMs);
    }
  }
}

/** `verifier`, refusing the tokens `revocations` holds revoked (all of them pass without revocations). */
export function refusingRevoked(verifier: TokenVerifier, revocations: TokenRevocations | undefined): TokenVerifier {
  if (!revocations) return verifier;
  return {
    async verify(token) {
      const claims = await verifier.verify(token);
      if (revocations.isRevoked(claims)) throw new TokenError('revoked', 'token revoked: sign in again');
      return claims;
    },
  };
}
