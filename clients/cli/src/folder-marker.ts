/**
 * Which dojo a folder mirrors, in `.pocdojo.json` at its top. Joining writes the dojo's files into the
 * folder, so it must be a new or empty folder, or one that already mirrors the same dojo: a folder of
 * unrelated files is never mixed into a dojo (nor overwritten by one).
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { markerFile } from './mirror/mirror-paths.ts';

const markerSchema = z.object({ server: z.string(), dojoId: z.string() });
export type FolderMarker = z.infer<typeof markerSchema>;

export async function claimFolder(folder: string, dojo: FolderMarker): Promise<void> {
  await mkdir(folder, { recursive: true });
  const entries = await readdir(folder);
  if (entries.includes(markerFile)) {
    const text = await readFile(join(folder, markerFile), 'utf8');
    const parsed = markerSchema.safeParse(JSON.parse(text) as unknown);
    if (!parsed.success || parsed.data.server !== dojo.server || parsed.data.dojoId !== dojo.dojoId)
      throw new Error(`${folder} mirrors another dojo; choose another folder`);
    return;
  }
  if (entries.length > 0) throw new Error(`${folder} is not empty; join into a new or empty folder`);
  await writeFile(join(folder, markerFile), `${JSON.stringify(dojo, null, 2)}\n`);
}
