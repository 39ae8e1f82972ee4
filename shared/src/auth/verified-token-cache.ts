import type { Claims } from './claims.ts';
import type { TokenVerifier } from './token-verifier.ts';

export interface VerifiedTokenCacheOptions {
  /** How many distinct tokens are remembered; the least recently presented one goes first. */
  capacity: number;
  /**
   * Longest a verification is trusted, whatever the token's `exp`: a key withdrawn from a remote key set
   * stops being honoured at most this long after the key set itself would have been refetched.
   */
  maxAgeSeconds: number;
  /** Epoch seconds, as jose counts them; a parameter for tests. */
  now?: () => number;
}

interface Entry {
  claims: Promise<Readonly<Claims>>;
  /** Epoch seconds from which the entry must not be used; unset while the first verification runs. */
  until: number | undefined;
}

const epochSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Remembers which tokens verified, by the token string, until the token expires. A client reconnecting
 * presents the same token again (a join storm after a node restart is thousands of them), and an EdDSA
 * verification costs far more than the rest of a join; the signature, issuer, audience and claim shapes of
 * a given string cannot change, so only the time checks are repeated. Access tokens carry no revocation:
 * what can withdraw access early (a removed dojo member, say) is checked on each join outside this cache.
 *
 * Failures are not remembered: an expired token is verified again and refused with jose's own reason.
 * Concurrent verifications of one token share the first one's result. Claims come back frozen, since every
 * caller presenting the token shares them.
 */
export function cacheVerifiedTokens(verifier: TokenVerifier, options: VerifiedTokenCacheOptions): TokenVerifier {
  const now = options.now ?? epochSeconds;
  const entries = new Map<string, Entry>();
  const remember = (token: string): Entry => {
    const entry: Entry = { claims: verifier.verify(token).then(freezeClaims), until: undefined };
    entries.delete(token);
    entries.set(token, entry);
    if (entries.size > options.capacity) entries.delete(entries.keys().next().value as string);
    entry.claims.then(
      (claims) => {
        entry.until = Math.min(claims.exp, now() + options.maxAgeSeconds);
      },
      () => {
        if (entries.get(token) === entry) entries.delete(token);
      },
    );
    return entry;
  };
  return {
    verify(token) {
      const entry = entries.get(token);
      if (!entry || (entry.until !== undefined && now() >= entry.until)) return remember(token).claims;
      // Most recently used last, so the first key is the one to evict.
      entries.delete(token);
      entries.set(token, entry);
      return entry.claims;
    },
  };
}

function freezeClaims(claims: Claims): Readonly<Claims> {
  Object.freeze(claims.roles);
  return Object.freeze(claims);
}
