import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DomainError } from '@pocdojo/shared';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { contentDisposition } from './content-disposition.ts';
import { objectKey, type ObjectLocation, type ObjectStore, type SignedUrlOptions } from './object-store.ts';

export interface S3StoreOptions {
  bucket: string;
  /** Any S3-protocol server (MinIO, Ceph, s3rver); AWS itself when omitted. */
  endpoint: string | undefined;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  forcePathStyle: boolean;
}

export interface S3ObjectStore extends ObjectStore {
  readonly kind: 's3';
}

/** Objects in one bucket, keyed `<tenantId>/…`, downloaded through presigned GET URLs. */
export function createS3ObjectStore(options: S3StoreOptions): S3ObjectStore {
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    // Checksums only where S3 demands them: many S3-protocol servers do not speak the newer trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const { bucket } = options;
  return {
    kind: 's3',
    async putFile(location, file, contentType) {
      const { size } = await stat(file);
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: objectKey(location),
          Body: createReadStream(file),
          ContentLength: size,
          ContentType: contentType,
        }),
      );
    },
    async putBuffer(location, body, contentType) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: objectKey(location), Body: body, ContentType: contentType }),
      );
    },
    async signedUrl(location: ObjectLocation, { expiresInSec, downloadName }: SignedUrlOptions) {
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: objectKey(location),
        ResponseContentDisposition: downloadName ? contentDisposition(downloadName) : undefined,
      });
      return getSignedUrl(client, command, { expiresIn: expiresInSec });
    },
    async read(location) {
      const response = await client
        .send(new GetObjectCommand({ Bucket: bucket, Key: objectKey(location) }))
        .catch((error: unknown) => {
          if (error instanceof NoSuchKey) throw new DomainError('not_found', 'no such stored file');
          throw error;
        });
      // In Node the SDK answers with a readable stream.
      if (!(response.Body instanceof Readable)) throw new Error('S3 answered without a body stream');
      return response.Body;
    },
    async delete(location) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(location) }));
    },
    async close() {
      client.destroy();
    },
  };
}
