import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Claims } from './claims.ts';
import { signingAlgorithm, type SigningKey } from './signing-key.ts';

export interface TokenIssuer {
  issue(claims: Omit<Claims, 'exp' | 'iat' | 'jti'>, ttlSeconds: number): Promise<string>;
}

export function createTokenIssuer(options: { key: SigningKey; issuer: string; audience: string }): TokenIssuer {
  return {
    async issue({ sub, ...rest }, ttlSeconds) {
      return new SignJWT({ ...rest })
        .setProtectedHeader({ alg: signingAlgorithm, kid: options.key.kid, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt()
        .setNotBefore('0s')
        .setJti(randomUUID())
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .sign(options.key.privateKey);
    },
  };
}

/** Parses `30s`, `15m`, `1h`, `7d` or plain seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) throw new Error(`invalid duration "${text}" (use e.g. 90s, 15m, 1h, 7d)`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
