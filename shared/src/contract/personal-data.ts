import { z } from 'zod';

/**
 * Personal-data requests (LGPD, GDPR): `GET /api/v1/me/export` gives a person everything the product
 * holds about them as one zip; `POST /api/v1/people/:id/erase` lets an admin erase a person.
 */

/** How an erased person is shown wherever their name was (chat, run lists, the people list). */
export const formerMemberName = 'a former member';

/** An erased person's address: `erased-<id>@erased.invalid` (`.invalid` never resolves, RFC 2606). */
export const erasedEmail = (userId: string) => `erased-${userId}@erased.invalid`;
export const isErasedEmail = (email: string) => email.endsWith('@erased.invalid');

/** What happens to the erased person's POCs: handed to another member, or deleted with them. */
export const eraseBodySchema = z.discriminatedUnion('pocs', [
  z.strictObject({ pocs: z.literal('reassign'), toUserId: z.string().min(1).max(64) }),
  z.strictObject({ pocs: z.literal('delete') }),
]);
export type EraseBody = z.infer<typeof eraseBodySchema>;

export const erasureResultSchema = z.object({
  userId: z.string(),
  pocsReassigned: z.number().int().min(0),
  pocsDeleted: z.number().int().min(0),
  videosRemoved: z.number().int().min(0),
  dojoDocumentsRewritten: z.number().int().min(0),
  auditEntriesRedacted: z.number().int().min(0),
});
export type ErasureResult = z.infer<typeof erasureResultSchema>;

/** The files of the export archive, each a JSON document except the videos (`videos/<id>.mp4`). */
export const exportFiles = {
  readme: 'README.txt',
  profile: 'profile.json',
  pocs: 'pocs.json',
  dojos: 'dojos.json',
  chat: 'chat-messages.json',
  videos: 'videos.json',
  audit: 'audit-entries.json',
} as const;
