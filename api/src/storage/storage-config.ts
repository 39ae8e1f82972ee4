import { join } from 'node:path';
import { ConfigError, flag } from '@pocdojo/shared';
import { z } from 'zod';
import {
  createFilesystemObjectStore,
  loadOrCreateUrlSecret,
  type FilesystemObjectStore,
} from './filesystem-object-store.ts';
import type { S3ObjectStore } from './s3-object-store.ts';

/** Object storage variables; the all-in-one server merges this section into its configuration schema. */
export const storageConfigSection = z.object({
  /** S3-protocol endpoint (MinIO, Ceph…); leave unset for AWS S3 itself. */
  S3_ENDPOINT: z.url().optional(),
  /** Setting a bucket switches storage from DATA_DIR to S3. */
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Path-style URLs (`endpoint/bucket/key`), which most self-hosted S3 servers need. A parsed boolean is
   * accepted too, because the video plugin re-reads this section from the server's parsed configuration. */
  S3_FORCE_PATH_STYLE: z.union([z.boolean(), flag(true)]),
  /** Secret for the filesystem store's signed URLs; generated into DATA_DIR when unset. */
  STORAGE_URL_SECRET: z.string().min(32).optional(),
});

export type StorageConfig = z.infer<typeof storageConfigSection> & { DATA_DIR: string };

/** Path under which the API serves filesystem objects (see file-routes.ts). */
export const fileRoutePath = '/api/v1/files';

/** Either store; `kind` tells which, so the file route is mounted only for the filesystem one. */
export type ConfiguredObjectStore = S3ObjectStore | FilesystemObjectStore;

export async function openObjectStore(config: StorageConfig): Promise<ConfiguredObjectStore> {
  if (config.S3_ENDPOINT && !config.S3_BUCKET) throw new ConfigError(['S3_BUCKET: required when S3_ENDPOINT is set']);
  if (config.S3_BUCKET) {
    // Loaded only when configured: a process storing files in DATA_DIR never needs the AWS SDK's memory.
    const { createS3ObjectStore } = await import('./s3-object-store.ts');
    return createS3ObjectStore({
      bucket: config.S3_BUCKET,
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION,
      credentials:
        config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
          ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
          : undefined,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
    });
  }
  return createFilesystemObjectStore({
    root: join(config.DATA_DIR, 'objects'),
    secret: await loadOrCreateUrlSecret(config.DATA_DIR, config.STORAGE_URL_SECRET),
    urlPrefix: fileRoutePath,
  });
}
