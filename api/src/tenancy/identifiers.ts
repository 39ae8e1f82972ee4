import { randomBytes } from 'node:crypto';

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * Random, URL- and document-name-safe ids with a readable prefix (`t_`, `u_`, `p_`, `d_`). 16
 * characters of base 36 carry ~82 bits, so ids are unguessable as well as unique.
 */
export function newId(prefix: 't' | 'u' | 'p' | 'd' | 'rt' | 'rf'): string {
  const bytes = randomBytes(16);
  let id = '';
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return `${prefix}_${id}`;
}
