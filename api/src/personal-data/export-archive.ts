import { DomainError, type Logger } from '@pocdojo/shared';
import { exportFiles } from '@pocdojo/shared/contract/personal-data';
import { ZipArchive, type Archiver } from 'archiver';
import type { ChatMessage } from '@pocdojo/shared/contract/dojo-documents';
import type { ObjectStore } from '../storage/object-store.ts';
import type { PersonalData } from './personal-data.ts';

const readme = `Everything POC Dojo holds about you, as of the time of this export.

${exportFiles.profile}  your account: address, name, roles, team
${exportFiles.pocs}  the proofs of concept you own
${exportFiles.dojos}  dojos you joined or opened, the turns you drove or navigated, the test runs you asked for
${exportFiles.chat}  the chat messages you wrote, with the dojo each is from
${exportFiles.videos}  your yearly videos; the rendered files are in videos/
${exportFiles.audit}  the audit entries about what you did and what was done to your account
`;

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * The export as one zip, streamed: JSON files first, then each finished video and its card read from
 * the object store. A file missing from the store is left out (and logged) rather than failing the export.
 */
export async function exportArchive(
  data: PersonalData,
  chat: Array<ChatMessage & { dojoId: string }>,
  store: ObjectStore,
  tenantId: string,
  logger: Pick<Logger, 'warn'>,
): Promise<Archiver> {
  const files: Array<{ name: string; path: string }> = [];
  const videos = [];
  for (const video of data.videos) {
    const { video_path: videoPath, card_path: cardPath, ...rest } = video;
    const stored = [
      { path: videoPath, name: `videos/${video.id}.mp4` },
      { path: cardPath, name: `videos/${video.id}.png` },
    ].flatMap((file) => (file.path ? [{ name: file.name, path: file.path }] : []));
    files.push(...stored);
    videos.push({ ...rest, files: stored.map((file) => file.name) });
  }

  const archive = new ZipArchive({ zlib: { level: 6 } });
  archive.on('warning', (error: Error) => logger.warn({ err: error }, 'personal-data export warning'));
  archive.append(readme, { name: exportFiles.readme });
  archive.append(json(data.profile), { name: exportFiles.profile });
  archive.append(json(data.pocs), { name: exportFiles.pocs });
  archive.append(json(data.dojos), { name: exportFiles.dojos });
  archive.append(json(chat), { name: exportFiles.chat });
  archive.append(json(videos), { name: exportFiles.videos });
  archive.append(json(data.auditEntries), { name: exportFiles.audit });
  for (const file of files) {
    try {
      archive.append(await store.read({ tenantId, path: file.path }), { name: file.name });
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'not_found')) {
        archive.abort();
        throw error;
      }
      logger.warn({ path: file.path }, 'personal-data export: stored file missing');
    }
  }
  void archive.finalize();
  return archive;
}
