/**
 * Waits into the next second of the clock. A token's issue time has whole seconds, and a revocation covers
 * the tokens issued in an earlier second than it (shared/src/auth/token-revocations.ts): a test that
 * revokes a token it has just been issued must let the clock move on first.
 */
export function nextSecond(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1_010 - (Date.now() % 1_000)));
}
