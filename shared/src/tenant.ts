import { z } from 'zod';

/**
 * Document names carry their tenant in the first segment: `<tid>/<kind>/<id>[/<part>]`, for example
 * `t_123/dojo/abc/code`. The WebSocket tier refuses any name whose tenant is not the token's.
 */
const segment = /^[A-Za-z0-9_-]{1,64}$/;

export const tenantIdSchema = z.string().regex(segment, 'tenant id: 1-64 of A-Z a-z 0-9 _ -');

export interface DocumentName {
  tenantId: string;
  kind: string;
  id: string;
  part: string | undefined;
}

/** Three or four segments: one match instead of a split and a test per segment, since hooks parse on every message. */
const documentNamePattern =
  /^([A-Za-z0-9_-]{1,64})\/([A-Za-z0-9_-]{1,64})\/([A-Za-z0-9_-]{1,64})(?:\/([A-Za-z0-9_-]{1,64}))?$/;

export function parseDocumentName(name: string): DocumentName | undefined {
  if (name.length > 300) return undefined;
  const match = documentNamePattern.exec(name);
  if (!match) return undefined;
  const [, tenantId, kind, id, part] = match as unknown as [string, string, string, string, string | undefined];
  return { tenantId, kind, id, part };
}

export function formatDocumentName(name: DocumentName): string {
  return [name.tenantId, name.kind, name.id, name.part].filter((p) => p !== undefined).join('/');
}
