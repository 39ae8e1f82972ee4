import { DomainError } from '@pocdojo/shared';
import { sql } from 'kysely';
import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';
import { videoInputSchema, type VideoInput } from './render/video-input.ts';

/**
 * Reads what one person's yearly video shows, inside a tenant transaction (row-level security applies):
 * their POCs created in the year (UTC), the dojos opened on each and the minutes of their turns. The
 * renderer gets plain data.
 */
export const yearRange = (year: number) => ({
  from: new Date(Date.UTC(year, 0, 1)),
  to: new Date(Date.UTC(year + 1, 0, 1)),
});

export async function countPocsInYear(trx: TenantTransaction, userId: string, year: number): Promise<number> {
  const { from, to } = yearRange(year);
  const row = await trx
    .selectFrom('pocs')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('owner_id', '=', userId)
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function loadVideoInput(
  trx: TenantTransaction,
  tenantId: string,
  userId: string,
  year: number,
): Promise<VideoInput> {
  const { from, to } = yearRange(year);
  const tenant = await trx.selectFrom('tenants').select('name').where('id', '=', tenantId).executeTakeFirst();
  const user = await trx.selectFrom('users').select('display_name').where('id', '=', userId).executeTakeFirst();
  if (!tenant || !user) throw new DomainError('not_found', 'the person of this video no longer exists');

  const pocs = await trx
    .selectFrom('pocs')
    .select(['id', 'name', 'language', 'tags', 'description', 'created_at'])
    .where('owner_id', '=', userId)
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .orderBy('created_at')
    .execute();
  if (pocs.length === 0) throw new DomainError('invalid', `no POCs in ${year}`);

  const sessions = await trx
    .selectFrom('dojos as d')
    .leftJoin('dojo_members as m', (join) => join.onRef('m.dojo_id', '=', 'd.id').on('m.removed', '=', false))
    .select(['d.id', 'd.poc_id', 'd.title', 'd.created_at'])
    .select(sql<string>`count(m.user_id)`.as('participants'))
    .where(
      'd.poc_id',
      'in',
      pocs.map((p) => p.id),
    )
    .groupBy(['d.id', 'd.poc_id', 'd.title', 'd.created_at'])
    .orderBy('d.created_at')
    .execute();

  const minutes =
    sessions.length === 0
      ? []
      : await trx
          .selectFrom('dojo_turns')
          .select([
            'dojo_id',
            sql<string | null>`round(sum(extract(epoch FROM ended_at - started_at)) / 60)`.as('minutes'),
          ])
          .where(
            'dojo_id',
            'in',
            sessions.map((s) => s.id),
          )
          .groupBy('dojo_id')
          .execute();
  const minutesOf = new Map(minutes.map((m) => [m.dojo_id, m.minutes === null ? null : Number(m.minutes)]));

  return videoInputSchema.parse({
    person: { name: user.display_name },
    tenant: { name: tenant.name },
    year,
    pocs: pocs.map((poc) => ({
      name: poc.name,
      language: poc.language,
      tags: poc.tags,
      description: poc.description,
      createdAt: poc.created_at,
      dojoSessions: sessions
        .filter((s) => s.poc_id === poc.id)
        // Minutes are those of the turns played (null before the first turn ends).
        .map((s) => ({
          title: s.title,
          startedAt: s.created_at,
          minutes: minutesOf.get(s.id) ?? null,
          participants: Number(s.participants),
        })),
    })),
  });
}
