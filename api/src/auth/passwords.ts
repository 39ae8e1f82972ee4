import { randomUUID } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/**
 * OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. Argon2id is the package's default algorithm
 * (its `Algorithm` is a const enum, which isolated modules cannot import).
 */
const options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string): Promise<string> => hash(password, options);

/**
 * A hash of a password nobody knows, verified when the account does not exist so that an unknown
 * email costs the same time as a wrong password and timing does not reveal which accounts exist.
 */
let unknownAccountHash: Promise<string> | undefined;

/** People without a password (provisioned by their company's provider) fail like unknown accounts. */
export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<boolean> {
  if (storedHash === undefined || storedHash === null) {
    unknownAccountHash ??= hashPassword(randomUUID());
    await verify(await unknownAccountHash, password);
    return false;
  }
  return verify(storedHash, password);
}
