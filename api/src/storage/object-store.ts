import type { Readable } from 'node:stream';
import { DomainError, tenantIdSchema } from '@pocdojo/shared';

/**
 * Where rendered videos, share cards and reports live: S3 (or any S3-protocol server) when configured,
 * the local filesystem under DATA_DIR otherwise. Every object belongs to a tenant and its key starts with
 * the tenant's id, so one bucket policy or one `rm -r` covers a tenant; nobody hands out bare keys, only
 * short-lived signed download URLs.
 */
export interface ObjectLocation {
  tenantId: string;
  /** Path inside the tenant's prefix, e.g. `videos/v_123/video.mp4`. */
  path: string;
}

export interface SignedUrlOptions {
  expiresInSec: number;
  /** File name the browser saves the download as; omitted for inline use (video player, og:image). */
  downloadName?: string;
}

export interface ObjectStore {
  readonly kind: 's3' | 'filesystem';
  /** Stores a local file; the object appears whole or not at all. */
  putFile(location: ObjectLocation, file: string, contentType: string): Promise<void>;
  putBuffer(location: ObjectLocation, body: Buffer, contentType: string): Promise<void>;
  /** An absolute URL (S3) or a path on this API (filesystem) that works until it expires. */
  signedUrl(location: ObjectLocation, options: SignedUrlOptions): Promise<string>;
  /** The object's bytes (a personal-data export streams them into its archive); not_found when absent. */
  read(location: ObjectLocation): Promise<Readable>;
  delete(location: ObjectLocation): Promise<void>;
  close(): Promise<void>;
}

const pathSegment = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** `<tenantId>/<path>`, refusing anything that could climb out of the tenant's prefix. */
export function objectKey(location: ObjectLocation): string {
  const tenant = tenantIdSchema.safeParse(location.tenantId);
  const segments = location.path.split('/');
  if (!tenant.success || segments.length > 8 || !segments.every((s) => pathSegment.test(s) && !s.includes('..'))) {
    // Locations are made of ids: they stay out of a message that can reach a person.
    throw new DomainError('invalid', 'invalid object location');
  }
  return `${location.tenantId}/${location.path}`;
}

const contentTypes: Record<string, string> = {
  mp4: 'video/mp4',
  png: 'image/png',
  pdf: 'application/pdf',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
};

export const contentTypeOf = (path: string) => contentTypes[path.split('.').pop() ?? ''] ?? 'application/octet-stream';
