import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWK, type JWTVerifyGetKey } from 'jose';
import { claimsSchema, type Claims } from './claims.ts';
import { signingAlgorithm } from './signing-key.ts';

/** `revoked`: a valid token its holder may no longer use (auth/token-revocations.ts). */
export type TokenFailure = 'expired' | 'invalid' | 'revoked';

export class TokenError extends Error {
  constructor(
    readonly reason: TokenFailure,
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

export interface TokenVerifier {
  verify(token: string): Promise<Claims>;
}

export type KeySource = { kind: 'local'; keys: JWK[] } | { kind: 'remote'; url: string };

/**
 * Checks signature, `exp`, `nbf`, issuer and audience, then the claim shapes. A remote key set (Keycloak,
 * Cognito…) is fetched lazily, cached and refetched when a token names an unknown `kid`, which is how key
 * rotation reaches us.
 */
export function createTokenVerifier(options: { keys: KeySource; issuer: string; audience: string }): TokenVerifier {
  const keySet: JWTVerifyGetKey =
    options.keys.kind === 'local'
      ? createLocalJWKSet({ keys: options.keys.keys })
      : createRemoteJWKSet(new URL(options.keys.url), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000 });
  const algorithms = options.keys.kind === 'local' ? [signingAlgorithm] : undefined;
  return {
    async verify(token) {
      if (token.length > 8192) throw new TokenError('invalid', 'token too long');
      let payload: unknown;
      try {
        ({ payload } = await jwtVerify(token, keySet, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw new TokenError('expired', 'token expired');
        const reason = error instanceof Error ? error.message : 'verification failed';
        throw new TokenError('invalid', `token rejected: ${reason}`);
      }
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) throw new TokenError('invalid', `token claims invalid: ${claims.error.issues[0]?.message}`);
      return claims.data;
    },
  };
}
