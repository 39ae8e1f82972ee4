import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

export const signingAlgorithm = 'EdDSA';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

interface StoredKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/**
 * The embedded identity provider's key pair: created once in DATA_DIR and reused across restarts, so
 * tokens stay valid when the process restarts. Mode 0600; when several processes start at once on one
 * DATA_DIR (npm run cluster), exactly one key is created and every process reads it complete.
 */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const dir = join(dataDir, 'keys');
  const file = join(dir, 'signing-key.json');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let stored: StoredKey;
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as StoredKey;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const pair = await generateKeyPair(signingAlgorithm, { crv: 'Ed25519', extractable: true });
    const kid = `k_${Date.now().toString(36)}`;
    stored = {
      kid,
      privateJwk: await exportJWK(pair.privateKey),
      publicJwk: { ...(await exportJWK(pair.publicKey)), kid, alg: signingAlgorithm, use: 'sig' },
    };
    // Written whole to a private temporary file, then linked into place: the link appears atomically
    // with its full content, and fails if another process got there first (whose key is then used).
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(temporary, JSON.stringify(stored), { mode: 0o600, flag: 'wx' });
    try {
      await link(temporary, file);
    } catch (linkError) {
      if ((linkError as NodeJS.ErrnoException).code !== 'EEXIST') throw linkError;
      stored = JSON.parse(await readFile(file, 'utf8')) as StoredKey;
    } finally {
      await rm(temporary, { force: true });
    }
  }
  const privateKey = (await importJWK(stored.privateJwk, signingAlgorithm)) as CryptoKey;
  return { kid: stored.kid, privateKey, publicJwk: stored.publicJwk };
}
