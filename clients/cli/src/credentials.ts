/**
 * Where `pocdojo login` keeps the session: `credentials.json` in the user's configuration folder
 * (`$XDG_CONFIG_HOME/pocdojo` on Linux, the platform's equivalent elsewhere), readable by its owner
 * only (0600, in a 0700 folder) because the refresh token in it signs the person in. One server at a
 * time: logging in to another replaces it.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sessionSchema, type Session } from '@pocdojo/sdk/api-client';
import { z } from 'zod';

export const credentialsSchema = z.object({
  /** The origin of the server, e.g. `https://dojo.example.com`. */
  server: z.url(),
  session: sessionSchema,
});
export type Credentials = z.infer<typeof credentialsSchema>;

export class CredentialStore {
  readonly path: string;

  constructor(readonly folder: string) {
    this.path = join(folder, 'credentials.json');
  }

  /** The stored credentials; undefined when nobody logged in (or the file is not ours to read). */
  async read(): Promise<Credentials | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const parsed = credentialsSchema.safeParse(JSON.parse(text) as unknown);
    return parsed.success ? parsed.data : undefined;
  }

  async write(credentials: Credentials): Promise<void> {
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    // Created 0600 before a single byte is written, so the token is never readable by others.
    await writeFile(temporary, JSON.stringify(credentialsSchema.parse(credentials), null, 2), { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, this.path);
  }

  /** Keeps the server, replaces the session (after a refresh rotated it). */
  async replaceSession(server: string, session: Session): Promise<void> {
    await this.write({ server, session });
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
