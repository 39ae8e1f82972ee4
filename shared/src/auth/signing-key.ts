import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
 * tokens stay valid when the process restarts. Writes with mode 0600 and `wx` so two processes starting
 * at once cannot both create a key: the loser reads the winner's file.
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
    try {
      await writeFile(file, JSON.stringify(stored), { mode: 0o600, flag: 'wx' });
    } catch (writeError) {
      if ((writeError as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError;
      stored = JSON.parse(await readFile(file, 'utf8')) as StoredKey;
    }
  }
  const privateKey = (await importJWK(stored.privateJwk, signingAlgorithm)) as CryptoKey;
  return { kid: stored.kid, privateKey, publicJwk: stored.publicJwk };
}
