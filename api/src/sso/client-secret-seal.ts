import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DomainError } from '@pocdojo/shared';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Seals tenants' OpenID Connect client secrets with AES-256-GCM before they reach the database, so a
 * database dump or backup alone does not hand out the keys to a company's identity provider. Sealed
 * text: `v1.<iv>.<tag>.<ciphertext>` (base64url); the tenant id is bound as associated data, so a sealed
 * secret copied to another tenant's row does not open.
 */
export interface SecretSeal {
  seal(secret: string, tenantId: string): string;
  open(sealed: string, tenantId: string): string;
}

export function secretSeal(key: Buffer): SecretSeal {
  return {
    seal(secret, tenantId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(tenantId));
      const text = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), text]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    open(sealed, tenantId) {
      const [version, iv, tag, text] = sealed.split('.');
      try {
        if (version !== 'v1' || !iv || !tag || text === undefined) throw new Error('unknown sealed secret format');
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
          .setAAD(Buffer.from(tenantId))
          .setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(text, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // The usual cause: API_SSO_SECRET_KEY (or the data dir's key) changed since the secret was saved.
        throw new DomainError(
          'unavailable',
          'the team’s stored client secret cannot be opened with this server’s key: an admin must enter it again',
        );
      }
    },
  };
}

/**
 * The sealing key: API_SSO_SECRET_KEY when set (every API process of a deployment must share it), else
 * a key created once in DATA_DIR like the token signing key (mode 0600, one winner when processes start
 * together on one DATA_DIR).
 */
export async function loadSealKey(configured: string | undefined, dataDir: string): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'base64');
  const dir = join(dataDir, 'keys');
  const file = join(dir, 'sso-secret.key');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    return Buffer.from(await readFile(file, 'utf8'), 'base64');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temporary, { force: true });
  }
  return Buffer.from(await readFile(file, 'utf8'), 'base64');
}
