/**
 * Stands in for `lib0/webcrypto` inside the k6 bundles: Yjs draws client ids from `getRandomValues`, and k6's
 * runtime has no Web Crypto global on every version, while `k6/crypto`'s `randomBytes` is always there.
 */
import { randomBytes } from 'k6/crypto';

export function getRandomValues<T extends ArrayBufferView>(array: T): T {
  new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(new Uint8Array(randomBytes(array.byteLength)));
  return array;
}
