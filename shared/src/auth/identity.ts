import type { JWK } from 'jose';
import type { BaseConfig } from '../config.ts';
import { loadOrCreateSigningKey } from './signing-key.ts';
import { createTokenIssuer, type TokenIssuer } from './token-issuer.ts';
import { createTokenVerifier, type TokenVerifier } from './token-verifier.ts';
import { refusingRevoked, type TokenRevocations } from './token-revocations.ts';
import { cacheVerifiedTokens } from './verified-token-cache.ts';

/**
 * Verified tokens remembered per process: enough for every client of a busy node to reconnect with its
 * token without a signature check each, and no longer than a remote key set is cached (10 minutes).
 */
const verifiedTokens = { capacity: 4096, maxAgeSeconds: 10 * 60 };

/**
 * The process's view of identity. Embedded mode holds its own key pair (it can issue tokens and
 * publishes its public key); with AUTH_JWKS_URL it only verifies tokens from that provider.
 */
export interface Identity {
  verifier: TokenVerifier;
  /** Absent when an external provider issues the tokens. */
  issuer: TokenIssuer | undefined;
  /** The public key set served at /.well-known/jwks.json in embedded mode. */
  jwks: { keys: JWK[] };
}

/**
 * `revocations`: the process's (auth/token-revocations.ts); its verifier then refuses a revoked token as it
 * refuses an invalid one. Only a process without a database (a standalone voice process) goes without.
 */
export async function createIdentity(
  config: Pick<BaseConfig, 'DATA_DIR' | 'AUTH_JWKS_URL' | 'AUTH_ISSUER' | 'AUTH_AUDIENCE'>,
  options: { revocations?: TokenRevocations } = {},
): Promise<Identity> {
  const claimsCheck = { issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE };
  const verifierOf = (keys: Parameters<typeof createTokenVerifier>[0]['keys']) =>
    refusingRevoked(
      cacheVerifiedTokens(createTokenVerifier({ keys, ...claimsCheck }), verifiedTokens),
      options.revocations,
    );
  if (config.AUTH_JWKS_URL) {
    return {
      verifier: verifierOf({ kind: 'remote', url: config.AUTH_JWKS_URL }),
      issuer: undefined,
      jwks: { keys: [] },
    };
  }
  const key = await loadOrCreateSigningKey(config.DATA_DIR);
  return {
    verifier: verifierOf({ kind: 'local', keys: [key.publicJwk] }),
    issuer: createTokenIssuer({ key, ...claimsCheck }),
    jwks: { keys: [key.publicJwk] },
  };
}
