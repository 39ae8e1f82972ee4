import { createHash, randomBytes } from 'node:crypto';
import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';

/**
 * Single sign-on attempts, kept server-side: the state, nonce and PKCE verifier the callback checks
 * never travel through the browser except as the provider's parameters, and each attempt is used once.
 * Only hashes of the state and of the one-time code are stored (either would let its holder finish the
 * sign-in). The state starts with the tenant id (`<tenant>.<random>`, like refresh tokens), so the
 * callback enters the tenant before it reads the row, under row-level security.
 */
export interface SsoAttempt {
  tenantId: string;
  nonce: string;
  codeVerifier: string;
  clientRedirectUri: string;
  clientState: string;
  clientCodeChallenge: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
const randomToken = () => randomBytes(32).toString('base64url');

/** The tenant a state or one-time code belongs to, from its prefix; undefined when malformed. */
export function tenantOfSsoToken(token: string): string | undefined {
  const match = /^(t_[0-9a-z]{16})\.[A-Za-z0-9_-]{43}$/.exec(token);
  return match?.[1];
}

/** Records a new attempt; answers its state, to send to the provider. */
export async function recordSsoAttempt(
  trx: TenantTransaction,
  attempt: SsoAttempt,
  ttlSeconds: number,
): Promise<{ state: string }> {
  const state = `${attempt.tenantId}.${randomToken()}`;
  // Abandoned attempts are swept as new ones start, so the table stays the size of the live ones.
  await trx
    .deleteFrom('sso_sign_ins')
    .where('tenant_id', '=', attempt.tenantId)
    .where('expires_at', '<', new Date())
    .execute();
  await trx
    .insertInto('sso_sign_ins')
    .values({
      state_hash: sha256(state),
      tenant_id: attempt.tenantId,
      nonce: attempt.nonce,
      code_verifier: attempt.codeVerifier,
      client_redirect_uri: attempt.clientRedirectUri,
      client_state: attempt.clientState,
      client_code_challenge: attempt.clientCodeChallenge,
      expires_at: new Date(Date.now() + ttlSeconds * 1000),
    })
    .execute();
  return { state };
}

/**
 * Claims the attempt of `state` for its callback: once only (a replayed state finds nothing; a
 * concurrent replay waits on the row lock and then finds it spent) and before it expires. The row
 * stays, without its checks, to carry the one-time code.
 */
export async function claimSsoAttempt(trx: TenantTransaction, state: string): Promise<SsoAttempt | undefined> {
  const stateHash = sha256(state);
  const row = await trx
    .selectFrom('sso_sign_ins')
    .select(['tenant_id', 'nonce', 'code_verifier', 'client_redirect_uri', 'client_state', 'client_code_challenge'])
    .where('state_hash', '=', stateHash)
    .where('code_verifier', '!=', '')
    .where('expires_at', '>', new Date())
    .forUpdate()
    .executeTakeFirst();
  if (!row) return undefined;
  await trx
    .updateTable('sso_sign_ins')
    .set({ nonce: '', code_verifier: '' })
    .where('state_hash', '=', stateHash)
    .execute();
  return {
    tenantId: row.tenant_id,
    nonce: row.nonce,
    codeVerifier: row.code_verifier,
    clientRedirectUri: row.client_redirect_uri,
    clientState: row.client_state,
    clientCodeChallenge: row.client_code_challenge,
  };
}

/** The person signed in: answers the one-time code the client redeems (within `ttlSeconds`). */
export async function issueSsoHandoff(
  trx: TenantTransaction,
  state: string,
  userId: string,
  ttlSeconds: number,
): Promise<string> {
  const tenantId = tenantOfSsoToken(state);
  const code = `${tenantId}.${randomToken()}`;
  await trx
    .updateTable('sso_sign_ins')
    .set({ user_id: userId, handoff_hash: sha256(code), expires_at: new Date(Date.now() + ttlSeconds * 1000) })
    .where('state_hash', '=', sha256(state))
    .execute();
  return code;
}

/** Spends the one-time `code`, whatever happens next: answers whom it signs in and the client's PKCE challenge. */
export async function redeemSsoHandoff(
  trx: TenantTransaction,
  code: string,
): Promise<{ userId: string; codeChallenge: string } | undefined> {
  const row = await trx
    .deleteFrom('sso_sign_ins')
    .where('handoff_hash', '=', sha256(code))
    .returning(['user_id', 'client_code_challenge', 'expires_at'])
    .executeTakeFirst();
  if (!row?.user_id || row.expires_at <= new Date()) return undefined;
  return { userId: row.user_id, codeChallenge: row.client_code_challenge };
}

/** RFC 7636 S256: does `verifier` hash to `challenge`? */
export const pkceMatches = (verifier: string, challenge: string): boolean => sha256(verifier) === challenge;
