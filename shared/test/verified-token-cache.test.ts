import { describe, expect, it } from 'vitest';
import type { Claims } from '../src/auth/claims.ts';
import { cacheVerifiedTokens } from '../src/auth/verified-token-cache.ts';
import { TokenError, type TokenVerifier } from '../src/auth/token-verifier.ts';

/** A verifier over a table of tokens that counts its calls and refuses what has expired, as jose does. */
function countingVerifier(tokens: Record<string, Claims>, clock: { now: number }) {
  const calls: string[] = [];
  const verifier: TokenVerifier = {
    async verify(token) {
      calls.push(token);
      const claims = tokens[token];
      if (!claims) throw new TokenError('invalid', 'token rejected: signature verification failed');
      if (claims.exp <= clock.now) throw new TokenError('expired', 'token expired');
      return { ...claims, roles: [...claims.roles] };
    },
  };
  return { verifier, calls };
}

const claimsUntil = (exp: number, sub = 'ada'): Claims => ({ sub, tid: 't_one', roles: ['participant'], exp });

describe('cacheVerifiedTokens', () => {
  it('verifies a token once and answers again from memory until it expires', async () => {
    const clock = { now: 1000 };
    const { verifier, calls } = countingVerifier({ a: claimsUntil(1060) }, clock);
    const cached = cacheVerifiedTokens(verifier, { capacity: 10, maxAgeSeconds: 600, now: () => clock.now });

    expect(await cached.verify('a')).toMatchObject({ sub: 'ada', exp: 1060 });
    clock.now = 1059;
    await cached.verify('a');
    expect(calls).toEqual(['a']);

    clock.now = 1060;
    await expect(cached.verify('a')).rejects.toMatchObject({ reason: 'expired' });
    expect(calls).toEqual(['a', 'a']);
  });

  it('shares one verification between concurrent presentations of a token', async () => {
    const clock = { now: 1000 };
    const { verifier, calls } = countingVerifier({ a: claimsUntil(2000) }, clock);
    const cached = cacheVerifiedTokens(verifier, { capacity: 10, maxAgeSeconds: 600, now: () => clock.now });

    const all = await Promise.all([cached.verify('a'), cached.verify('a'), cached.verify('a')]);
    expect(calls).toEqual(['a']);
    expect(new Set(all).size).toBe(1);
  });

  it('does not remember a refusal', async () => {
    const clock = { now: 1000 };
    const tokens: Record<string, Claims> = {};
    const { verifier, calls } = countingVerifier(tokens, clock);
    const cached = cacheVerifiedTokens(verifier, { capacity: 10, maxAgeSeconds: 600, now: () => clock.now });

    await expect(cached.verify('b')).rejects.toBeInstanceOf(TokenError);
    await expect(cached.verify('b')).rejects.toBeInstanceOf(TokenError);
    expect(calls).toEqual(['b', 'b']);
  });

  it('verifies again after the longest trusted age even when the token lives longer', async () => {
    const clock = { now: 1000 };
    const { verifier, calls } = countingVerifier({ a: claimsUntil(100_000) }, clock);
    const cached = cacheVerifiedTokens(verifier, { capacity: 10, maxAgeSeconds: 600, now: () => clock.now });

    await cached.verify('a');
    clock.now = 1599;
    await cached.verify('a');
    clock.now = 1600;
    await cached.verify('a');
    expect(calls).toEqual(['a', 'a']);
  });

  it('forgets the least recently presented token past its capacity', async () => {
    const clock = { now: 1000 };
    const tokens = { a: claimsUntil(2000, 'a'), b: claimsUntil(2000, 'b'), c: claimsUntil(2000, 'c') };
    const { verifier, calls } = countingVerifier(tokens, clock);
    const cached = cacheVerifiedTokens(verifier, { capacity: 2, maxAgeSeconds: 600, now: () => clock.now });

    await cached.verify('a');
    await cached.verify('b');
    await cached.verify('a');
    await cached.verify('c');
    await cached.verify('a');
    await cached.verify('b');
    expect(calls).toEqual(['a', 'b', 'c', 'b']);
  });

  it('hands out claims nobody can change for the next caller', async () => {
    const clock = { now: 1000 };
    const { verifier } = countingVerifier({ a: claimsUntil(2000) }, clock);
    const cached = cacheVerifiedTokens(verifier, { capacity: 10, maxAgeSeconds: 600, now: () => clock.now });

    const claims = await cached.verify('a');
    expect(() => claims.roles.push('admin')).toThrow(TypeError);
    expect(() => Object.assign(claims, { tid: 't_other' })).toThrow(TypeError);
    expect(await cached.verify('a')).toMatchObject({ tid: 't_one', roles: ['participant'] });
  });
});
