import type { ColumnType, Generated } from 'kysely';

/**
 * The one typed view of the database. Each component adds its tables here, next to a dated migration
 * in `migrations/` that creates them.
 */
export interface Database {
  documents: DocumentsTable;
  document_updates: DocumentUpdatesTable;
  tenants: TenantsTable;
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  pocs: PocsTable;
  dojos: DojosTable;
  dojo_members: DojoMembersTable;
  search_outbox: SearchOutboxTable;
  videos: VideosTable;
  video_shares: VideoSharesTable;
  job_heartbeats: JobHeartbeatsTable;
  dojo_removals: DojoRemovalsTable;
  dojo_turns: DojoTurnsTable;
  dojo_sessions: DojoSessionsTable;
  dojo_leases: DojoLeasesTable;
  dojo_runs: DojoRunsTable;
  runner_heartbeats: RunnerHeartbeatsTable;
  tenant_sso: TenantSsoTable;
  tenant_sso_domains: TenantSsoDomainsTable;
  sso_sign_ins: SsoSignInsTable;
  audit_entries: AuditEntriesTable;
}

/** One row per collaborative document: its update counter and latest snapshot. */
export interface DocumentsTable {
  name: string;
  tenant_id: string;
  /** Highest update sequence number appended to the log. */
  last_seq: ColumnType<string, string | number, string | number>;
  /** The snapshot holds every update with seq <= snapshot_seq. */
  snapshot_seq: ColumnType<string, string | number, string | number>;
  snapshot: Uint8Array | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** Append-only log of Yjs updates after the snapshot; compaction folds it into the snapshot. */
export interface DocumentUpdatesTable {
  document_name: string;
  seq: ColumnType<string, string | number, string | number>;
  update: Uint8Array;
  node_id: string;
  created_at: Generated<Date>;
}

/** The tenant directory (no row-level security: login resolves a slug before it knows the tenant). */
export interface TenantsTable {
  id: string;
  name: string;
  slug: string;
  /** False when the tenant's admin turned password sign-in off (its people use the company's SSO). */
  password_sign_in: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface UsersTable {
  id: string;
  tenant_id: string;
  /** Lower-cased. */
  email: string;
  display_name: string;
  /** argon2id PHC string; null for people provisioned by the tenant's identity provider. */
  password_hash: string | null;
  roles: string[];
  /** The `sub` of the tenant's identity provider, once the person signed in through it. */
  sso_subject: string | null;
  created_at: Generated<Date>;
  /** Set when an admin erased the person: their personal fields are anonymised. */
  erased_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Tokens issued to the person before this are refused (see auth/token-revocations.ts). */
  tokens_valid_after: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** Only the SHA-256 of each refresh token is stored; a family is one login's chain of rotations. */
export interface RefreshTokensTable {
  id: string;
  tenant_id: string;
  user_id: string;
  family_id: string;
  token_hash: string;
  expires_at: Date;
  /** Set when the token was exchanged for a new one; presenting it again revokes the family. */
  spent_at: Date | null;
  revoked_at: Date | null;
  created_at: Generated<Date>;
}

export interface PocsTable {
  id: string;
  tenant_id: string;
  owner_id: string;
  name: string;
  description: string | null;
  language: string;
  tags: string[];
  repo_url: string | null;
  status: string;
  /** Bumped on every change; OpenSearch indexes with it as an external version. */
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** Generated: weighted tsvector of name (A), tags (B), description (C). */
  search: ColumnType<string, never, never>;
  /** Generated: lower-cased name and tags for trigram (typo) matching. */
  search_text: ColumnType<string, never, never>;
}

export interface DojosTable {
  id: string;
  tenant_id: string;
  title: string;
  poc_id: string | null;
  format: string;
  language: string;
  turn_minutes: number | null;
  created_by: string;
  created_at: Generated<Date>;
}

/** Who joined a dojo with which role; `removed` is set by the dojo rules and blocks re-joining. */
export interface DojoMembersTable {
  tenant_id: string;
  dojo_id: string;
  user_id: string;
  role: string;
  removed: Generated<boolean>;
  first_joined_at: Generated<Date>;
  last_joined_at: Generated<Date>;
}

/** POC changes waiting to reach OpenSearch (transactional outbox, drained at least once). */
export interface SearchOutboxTable {
  id: Generated<string>;
  tenant_id: string;
  poc_id: string;
  version: number;
  operation: 'upsert' | 'delete';
  attempts: Generated<number>;
  created_at: Generated<Date>;
  /** Set once OpenSearch has the change; kept for a while so a reindex can replay recent changes. */
  processed_at: ColumnType<Date | null, never, Date | null>;
}

/** One requested yearly video render; `superseded_at` marks renders replaced by a forced or retried request. */
export interface VideosTable {
  id: string;
  tenant_id: string;
  user_id: string;
  year: number;
  status: 'queued' | 'rendering' | 'done' | 'failed';
  progress: Generated<number>;
  error: string | null;
  duration_sec: number | null;
  poc_count: number;
  narration: boolean;
  requested_by: string;
  job_id: string | null;
  /** Object paths inside the tenant's storage prefix. */
  video_path: string | null;
  card_path: string | null;
  superseded_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  finished_at: Date | null;
}

/** Public share links of videos, by the SHA-256 of the unguessable token; deleting a row revokes the link. */
export interface VideoSharesTable {
  token_hash: string;
  tenant_id: string;
  video_id: string;
  created_at: Generated<Date>;
}

/** Running jobs' liveness: a worker that stops beating has died and its job is failed for a retry. */
export interface JobHeartbeatsTable {
  job_id: string;
  queue: string;
  worker: string;
  beat_at: Generated<Date>;
}

/** Members a facilitator removed from a dojo: the WebSocket tier refuses their tokens for it. */
export interface DojoRemovalsTable {
  tenant_id: string;
  dojo_id: string;
  user_id: string;
  removed_by: string;
  removed_at: Generated<Date>;
}

/** The `code` document at the end of each turn (`files`: path → {text, language}); one row per turn. */
export interface DojoTurnsTable {
  tenant_id: string;
  dojo_id: string;
  turn: number;
  driver_id: string | null;
  navigator_id: string | null;
  reason: 'rotation' | 'handover' | 'end';
  started_at: Date | null;
  ended_at: Date;
  files: ColumnType<Record<string, { text: string; language: string | null }>, string, string>;
  node_id: string;
}

/** The summary of an ended dojo; `poc_id` records the session on the POC the dojo was opened on. */
export interface DojoSessionsTable {
  tenant_id: string;
  dojo_id: string;
  poc_id: string | null;
  format: string;
  ended_at: Date;
  summary: ColumnType<Record<string, unknown>, string, string>;
}

/** Which node runs a dojo's turn timer; a lease past `expires_at` (database clock) may be taken over. */
export interface DojoLeasesTable {
  dojo_key: string;
  node_id: string;
  expires_at: Date;
}

/**
 * A test run of a dojo: the exact code it ran (`files`, path → text) and the `code` document's Yjs state
 * vector at the request; queued (admitted once handed to the `run` job queue), running, then done with a
 * result or failed with the reason; replaced when a newer request of the same dojo came while it waited.
 */
export interface DojoRunsTable {
  id: string;
  tenant_id: string;
  dojo_id: string;
  language: string;
  turn: number;
  requested_by: string;
  requested_by_name: string;
  auto: Generated<boolean>;
  status: 'queued' | 'running' | 'done' | 'failed' | 'replaced';
  files: ColumnType<Record<string, string>, string, string>;
  state_vector: Uint8Array;
  requested_at: Generated<Date>;
  admitted_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  runner_id: string | null;
  light: 'green' | 'red' | 'amber' | null;
  passed: number | null;
  failed: number | null;
  failing: ColumnType<string[] | null, string | null, string | null>;
  output: string | null;
  output_truncated: boolean | null;
  message: string | null;
  duration_ms: number | null;
  limit_hit: string | null;
  /** The requester's W3C trace context (`traceparent`, `tracestate`); null when it was not tracing. */
  trace_context: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
}

/** A live runner process and what it can run (`languages`: the contract's Language list). */
export interface RunnerHeartbeatsTable {
  runner_id: string;
  languages: ColumnType<
    Array<{ id: string; name: string; testFramework: string; available: boolean; reason?: string }>,
    string,
    string
  >;
  beat_at: Generated<Date>;
}

/** A tenant's OpenID Connect provider; the client secret is sealed (AES-256-GCM), never stored plain. */
export interface TenantSsoTable {
  tenant_id: string;
  issuer: string;
  client_id: string;
  client_secret_sealed: string;
  default_role: string;
  groups_claim: string | null;
  /** `[{group, roles}]`: the roles a person gets for each group the provider lists. */
  group_roles: ColumnType<unknown, string, string>;
  updated_at: Generated<Date>;
}

/** Email domains a tenant claims for sign-in discovery; verified by a sign-in through its provider. */
export interface TenantSsoDomainsTable {
  tenant_id: string;
  domain: string;
  verified_at: Date | null;
  created_at: Generated<Date>;
}

/** One single sign-on attempt: what the callback checks, then the one-time code the client redeems. */
export interface SsoSignInsTable {
  state_hash: string;
  tenant_id: string;
  nonce: string;
  code_verifier: string;
  client_redirect_uri: string;
  client_state: string;
  client_code_challenge: string;
  expires_at: Date;
  user_id: string | null;
  handoff_hash: string | null;
  created_at: Generated<Date>;
}

/**
 * The per-tenant audit trail, append-only and hash-chained (see shared/src/audit/). The personal fields
 * (`actor_name`, `address`, `user_agent`, `personal_details`, `personal_salt`) are outside the chain,
 * covered by `personal_digest`, so that an erasure can clear them without breaking it.
 */
export interface AuditEntriesTable {
  tenant_id: string;
  seq: ColumnType<string, number, never>;
  at: ColumnType<Date, Date, never>;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  trace_id: string;
  details: ColumnType<Record<string, unknown>, string, never>;
  actor_name: string | null;
  address: string | null;
  user_agent: string | null;
  personal_details: ColumnType<Record<string, unknown> | null, string | null, never>;
  personal_salt: string | null;
  personal_digest: string;
  prev_hash: string;
  hash: string;
}
