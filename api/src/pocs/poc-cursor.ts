import { DomainError } from '@pocdojo/shared';
import { z } from 'zod';

/**
 * Page cursors are opaque to clients: base64url of `<created_at in µs since epoch>:<id>`, the last
 * row of the page in (created_at DESC, id DESC) order. Microseconds, because Postgres timestamps are
 * finer than JavaScript dates and a rounded cursor would skip or repeat rows.
 */
export interface CursorPosition {
  createdAtMicros: string;
  id: string;
}

const positionSchema = z.tuple([z.string().regex(/^\d{1,18}$/), z.string().regex(/^[a-z]{1,3}_[a-z0-9]{1,40}$/)]);

export const encodeCursor = (position: CursorPosition): string =>
  Buffer.from(`${position.createdAtMicros}:${position.id}`).toString('base64url');

export function decodeCursor(cursor: string): CursorPosition {
  const parsed = positionSchema.safeParse(Buffer.from(cursor, 'base64url').toString('utf8').split(':'));
  if (!parsed.success) throw new DomainError('invalid', 'cursor is not one this API returned');
  return { createdAtMicros: parsed.data[0], id: parsed.data[1] };
}
