import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * How an audit entry is chained: `hash` = SHA-256 over the RFC 8785 canonical JSON of the chained fields,
 * a newline and the previous entry's hash. The personal fields enter only as `personalDigest`, the SHA-256
 * of their canonical JSON with a random salt, so erasing them (salt included) keeps the chain verifiable
 * and leaves a digest nobody can test a guessed name against.
 */
export const genesisHash = '0'.repeat(64);

export interface ChainedFields {
  tenantId: string;
  seq: number;
  /** ISO 8601, millisecond precision (what a JavaScript date round-trips through Postgres as). */
  at: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  traceId: string;
  details: Record<string, unknown>;
  personalDigest: string;
}

export interface PersonalFields {
  salt: string;
  actorName: string | null;
  address: string | null;
  userAgent: string | null;
  details: Record<string, unknown> | null;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function canonicalJson(value: unknown): string {
  const json = canonicalize(value);
  if (json === undefined) throw new Error('audit entry cannot be serialised');
  return json;
}

export const personalDigest = (personal: PersonalFields): string => sha256(canonicalJson(personal));

export const entryHash = (fields: ChainedFields, prevHash: string): string =>
  sha256(`${canonicalJson(fields)}\n${prevHash}`);
