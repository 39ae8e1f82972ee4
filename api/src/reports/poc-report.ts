import { sql } from 'kysely';
import { pocReportSchema, type PocReport } from '@pocdojo/shared/contract/reports';
import type { TenantTransaction } from '../tenancy/tenant-transaction.ts';

export interface ReportScope {
  tenantId: string;
  year: number;
  userId: string | null;
}

const TOP_TAGS = 50;
const TOP_CONTRIBUTORS = 10;

/**
 * The POC report of one year, for a whole tenant or one person. Every figure is a GROUP BY in Postgres
 * (the rows never travel to Node), scoped by row-level security through the tenant transaction and by an
 * owner filter when the report is about one person.
 */
export async function buildPocReport(trx: TenantTransaction, scope: ReportScope): Promise<PocReport> {
  const from = new Date(Date.UTC(scope.year, 0, 1));
  const to = new Date(Date.UTC(scope.year + 1, 0, 1));
  const pocs = trx
    .selectFrom('pocs')
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .$if(scope.userId !== null, (qb) => qb.where('owner_id', '=', scope.userId ?? ''));

  const tenant = await trx
    .selectFrom('tenants')
    .select(['id', 'name'])
    .where('id', '=', scope.tenantId)
    .executeTakeFirstOrThrow();
  // One scan for months, languages, statuses, people and the total: GROUPING SETS aggregates every
  // dimension at once instead of one query (and one scan of the year's rows) per dimension.
  const groups = await trx
    .selectFrom(
      pocs
        .select([
          sql<number>`extract(month FROM created_at AT TIME ZONE 'UTC')::int`.as('month'),
          'language',
          'status',
          'owner_id',
        ])
        .as('p'),
    )
    .select([
      sql<'month' | 'language' | 'status' | 'owner' | 'total'>`CASE
        WHEN grouping(month) = 0 THEN 'month'
        WHEN grouping(language) = 0 THEN 'language'
        WHEN grouping(status) = 0 THEN 'status'
        WHEN grouping(owner_id) = 0 THEN 'owner'
        ELSE 'total' END`.as('dimension'),
      'month',
      'language',
      'status',
      'owner_id',
      sql<string>`count(*)`.as('pocs'),
    ])
    .groupBy(sql`GROUPING SETS ((month), (language), (status), (owner_id), ())`)
    .execute();
  const tags = await trx
    .selectFrom(pocs.select(sql<string>`unnest(tags)`.as('tag')).as('t'))
    .select(['t.tag', sql<string>`count(*)`.as('pocs')])
    .groupBy('t.tag')
    .orderBy(sql`count(*)`, 'desc')
    .orderBy('t.tag')
    .limit(TOP_TAGS)
    .execute();

  const byCount =
    <T extends { pocs: number }>(key: (row: T) => string) =>
    (a: T, b: T) =>
      b.pocs - a.pocs || key(a).localeCompare(key(b));
  const dimension = (name: string) => groups.filter((g) => g.dimension === name);
  // One row per person who has POCs in the period (at most the tenant's users), ranked here.
  const owners = dimension('owner')
    .map((g) => ({ userId: g.owner_id, pocs: Number(g.pocs) }))
    .sort(byCount((o) => o.userId))
    .slice(0, TOP_CONTRIBUTORS);
  const users =
    owners.length === 0
      ? []
      : await trx
          .selectFrom('users')
          .select(['id', 'display_name'])
          .where(
            'id',
            'in',
            owners.map((o) => o.userId),
          )
          .execute();
  const names = new Map(users.map((u) => [u.id, u.display_name]));

  const dojos = trx
    .selectFrom('dojos as d')
    .where('d.created_at', '>=', from)
    .where('d.created_at', '<', to)
    .$if(scope.userId !== null, (qb) =>
      qb.where((eb) =>
        eb.or([
          eb('d.created_by', '=', scope.userId ?? ''),
          eb.exists(
            eb
              .selectFrom('dojo_members as own')
              .select('own.dojo_id')
              .whereRef('own.dojo_id', '=', 'd.id')
              .where('own.user_id', '=', scope.userId ?? ''),
          ),
        ]),
      ),
    );
  const dojoIds = dojos.select('d.id');
  const turnFigures = await trx
    .selectFrom('dojo_turns as t')
    .where('t.dojo_id', 'in', dojoIds)
    .select([
      sql<string>`count(*)`.as('turns'),
      sql<string>`coalesce(round(sum(extract(epoch FROM t.ended_at - t.started_at)) / 60), 0)`.as('minutes'),
    ])
    .executeTakeFirstOrThrow();
  const chatFigures = await trx
    .selectFrom('dojo_sessions as s')
    .where('s.dojo_id', 'in', dojoIds)
    .select(sql<string>`coalesce(sum((s.summary ->> 'chatCount')::int), 0)`.as('messages'))
    .executeTakeFirstOrThrow();
  // Runs that ran tests: a replaced run never ran and a failed one has no light.
  const ranRuns = trx.selectFrom('dojo_runs as r').where('r.dojo_id', 'in', dojoIds).where('r.status', '=', 'done');
  const runFigures = await ranRuns
    .select([sql<string>`count(*)`.as('runs'), sql<string>`count(*) FILTER (WHERE r.light = 'green')`.as('greens')])
    .executeTakeFirstOrThrow();
  const firstGreens = await trx
    .selectFrom(
      ranRuns
        .select([
          sql<Date>`min(r.requested_at)`.as('first_run'),
          sql<Date | null>`min(r.finished_at) FILTER (WHERE r.light = 'green')`.as('first_green'),
        ])
        .groupBy('r.dojo_id')
        .as('f'),
    )
    .select([
      sql<string>`count(f.first_green)`.as('sessions'),
      sql<
        number | null
      >`round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.first_green - f.first_run)))`.as(
        'median_seconds',
      ),
    ])
    .executeTakeFirstOrThrow();
  const dojoFigures = await dojos
    .leftJoin('dojo_members as m', (join) => join.onRef('m.dojo_id', '=', 'd.id').on('m.removed', '=', false))
    .select([
      sql<string>`count(DISTINCT d.id)`.as('sessions'),
      sql<string>`count(DISTINCT m.user_id)`.as('participants'),
      sql<string>`count(DISTINCT d.id) FILTER (WHERE d.poc_id IS NOT NULL)`.as('on_pocs'),
    ])
    .executeTakeFirstOrThrow();

  const perMonthCounts = new Map(dimension('month').map((m) => [Number(m.month), Number(m.pocs)]));
  return pocReportSchema.parse({
    tenant,
    scope: { year: scope.year, userId: scope.userId, from: from.toISOString(), to: to.toISOString() },
    totals: { pocs: Number(dimension('total')[0]?.pocs ?? 0), contributors: dimension('owner').length },
    perMonth: Array.from({ length: 12 }, (_, i) => ({
      month: `${scope.year}-${String(i + 1).padStart(2, '0')}`,
      pocs: perMonthCounts.get(i + 1) ?? 0,
    })),
    perLanguage: dimension('language')
      .map((g) => ({ language: g.language, pocs: Number(g.pocs) }))
      .sort(byCount((l) => l.language)),
    perTag: tags.map((t) => ({ tag: t.tag, pocs: Number(t.pocs) })),
    perStatus: dimension('status')
      .map((g) => ({ status: g.status, pocs: Number(g.pocs) }))
      .sort(byCount((s) => s.status)),
    topContributors: owners.map((o) => ({ ...o, displayName: names.get(o.userId) ?? o.userId })),
    dojos: {
      sessions: Number(dojoFigures.sessions),
      participants: Number(dojoFigures.participants),
      onPocs: Number(dojoFigures.on_pocs),
      turns: Number(turnFigures.turns),
      minutes: Number(turnFigures.minutes),
      chatMessages: Number(chatFigures.messages),
      runs: Number(runFigures.runs),
      greenRuns: Number(runFigures.greens),
      greenShare:
        Number(runFigures.runs) === 0
          ? null
          : Math.round((Number(runFigures.greens) / Number(runFigures.runs)) * 1000) / 1000,
      greenSessions: Number(firstGreens.sessions),
      medianSecondsToFirstGreen: firstGreens.median_seconds === null ? null : Number(firstGreens.median_seconds),
    },
  });
}
