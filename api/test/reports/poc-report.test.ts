import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocReport } from '@pocdojo/shared/contract/reports';
import { addUser, call, signUp, type SignedUp, type TestApi } from '../api-harness.ts';
import { seedPocs, startVideoTestApi, type SeedPoc } from '../videos/video-api-harness.ts';

const run = promisify(execFile);
const at = (month: number, day = 10) => new Date(Date.UTC(2026, month - 1, day, 12));
const poc = (name: string, language: string, tags: string[], status: string, createdAt: Date): SeedPoc => ({
  name,
  language,
  tags,
  status,
  createdAt,
});

/** Splits CSV text into rows of cells, honouring quotes (a spreadsheet's reading of the file). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted && char === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (quoted && char === '"') {
      quoted = false;
    } else if (quoted) {
      cell += char;
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += char;
    }
  }
  return rows;
}

describe('the POC report', () => {
  let api: TestApi;
  let admin: SignedUp;
  let ada: SignedUp;
  let linus: SignedUp;
  let outsider: SignedUp;

  beforeAll(async () => {
    api = await startVideoTestApi({ env: { VIDEO_WORKER: 'off' } });
    admin = await signUp(api.app, 'Report Co');
    ada = await addUser(api.app, admin, ['participant']);
    linus = await addUser(api.app, admin, ['participant']);
    outsider = await signUp(api.app, 'Elsewhere');
    const tenant = admin.tenant.id;
    const [adaFirst] = await seedPocs(api.database, tenant, ada.user.id, [
      poc('Live cursors', 'TypeScript', ['realtime', 'crdt'], 'done', at(1, 5)),
      poc('Offline sync', 'TypeScript', ['crdt'], 'active', at(1, 20)),
      poc('Edge cache', 'Rust', ['cache'], 'active', at(3)),
      poc('Formula', 'C, the classic', ['=cmd'], 'idea', at(3, 15)),
      poc('Vector search', 'Python', ['ml'], 'abandoned', at(12, 31)),
      poc('Last year', 'Go', ['old'], 'done', new Date(Date.UTC(2025, 11, 31, 23, 59))),
    ]);
    await seedPocs(api.database, tenant, linus.user.id, [
      poc('Kernel hooks', 'Rust', ['systems'], 'active', at(2)),
      poc('Patch bot', 'Rust', ['cli'], 'done', at(3)),
      poc('Mail tool', 'TypeScript', ['cli'], 'idea', at(7)),
    ]);
    await seedPocs(api.database, tenant, admin.user.id, [poc('Admin POC', 'Go', [], 'idea', at(7))]);
    await seedPocs(api.database, outsider.tenant.id, outsider.user.id, [
      poc('Not yours', 'Elixir', ['secret'], 'done', at(5)),
    ]);
    const dojo = (id: string, pocId: string | null, createdAt: Date) => ({
      id,
      tenant_id: tenant,
      title: id,
      poc_id: pocId,
      format: 'randori',
      language: 'TypeScript',
      turn_minutes: 5,
      created_by: admin.user.id,
      created_at: createdAt,
    });
    await api.database.db
      .insertInto('dojos')
      .values([
        dojo('d_one', adaFirst ?? null, at(1, 6)),
        dojo('d_two', null, at(4)),
        dojo('d_old', null, new Date(Date.UTC(2025, 5, 1))),
      ])
      .execute();
    const member = (dojoId: string, userId: string, removed = false) => ({
      tenant_id: tenant,
      dojo_id: dojoId,
      user_id: userId,
      role: 'participant',
      removed,
    });
    await api.database.db
      .insertInto('dojo_members')
      .values([
        member('d_one', ada.user.id),
        member('d_one', linus.user.id),
        member('d_two', linus.user.id),
        member('d_two', admin.user.id, true),
      ])
      .execute();
    const turn = (dojoId: string, number: number, start: Date, minutes: number) => ({
      tenant_id: tenant,
      dojo_id: dojoId,
      turn: number,
      driver_id: ada.user.id,
      navigator_id: linus.user.id,
      reason: 'rotation' as const,
      started_at: start,
      ended_at: new Date(start.getTime() + minutes * 60_000),
      files: JSON.stringify({}),
      node_id: 'n1',
    });
    await api.database.db
      .insertInto('dojo_turns')
      .values([
        turn('d_one', 1, at(1, 6), 5),
        turn('d_one', 2, new Date(at(1, 6).getTime() + 5 * 60_000), 5),
        turn('d_one', 3, new Date(at(1, 6).getTime() + 10 * 60_000), 5),
        turn('d_two', 1, at(4), 10),
        turn('d_old', 1, new Date(Date.UTC(2025, 5, 1)), 30),
      ])
      .execute();
    // d_one goes green 3 minutes after its first run; d_two stays red; d_old is of another year.
    const run = (
      id: string,
      dojoId: string,
      requested: Date,
      seconds: number,
      status: 'done' | 'replaced',
      light: 'green' | 'red' | null,
    ) => ({
      id,
      tenant_id: tenant,
      dojo_id: dojoId,
      language: 'typescript',
      turn: 1,
      requested_by: ada.user.id,
      requested_by_name: 'Ada',
      status,
      files: JSON.stringify({}),
      state_vector: new Uint8Array([0]),
      requested_at: requested,
      finished_at: new Date(requested.getTime() + seconds * 1000),
      light,
    });
    const firstRun = new Date(at(1, 6).getTime() + 60_000);
    const later = (seconds: number) => new Date(firstRun.getTime() + seconds * 1000);
    await api.database.db
      .insertInto('dojo_runs')
      .values([
        run('r_one_red', 'd_one', firstRun, 5, 'done', 'red'),
        run('r_one_replaced', 'd_one', later(60), 0, 'replaced', null),
        run('r_one_green', 'd_one', later(170), 10, 'done', 'green'),
        run('r_one_green_again', 'd_one', later(400), 5, 'done', 'green'),
        run('r_two_red', 'd_two', at(4), 5, 'done', 'red'),
        run('r_old_green', 'd_old', new Date(Date.UTC(2025, 5, 1)), 5, 'done', 'green'),
      ])
      .execute();
    await api.database.db
      .insertInto('dojo_sessions')
      .values({
        tenant_id: tenant,
        dojo_id: 'd_one',
        poc_id: adaFirst ?? null,
        format: 'randori',
        ended_at: at(1, 7),
        summary: JSON.stringify({ chatCount: 7, turns: [] }),
      })
      .execute();
  });
  afterAll(async () => {
    await api.close();
  });

  const report = (token: string, query: string) =>
    call<PocReport>(api.app, 'GET', `/api/v1/reports/pocs?${query}`, { token });

  it('gives admins the whole tenant, aggregated per month, language, tag, status and person', async () => {
    const { status, body } = await report(admin.accessToken, 'year=2026');
    expect(status).toBe(200);
    expect(body.tenant).toEqual({ id: admin.tenant.id, name: 'Report Co' });
    expect(body.scope).toMatchObject({
      year: 2026,
      userId: null,
      from: '2026-01-01T00:00:00.000Z',
      to: '2027-01-01T00:00:00.000Z',
    });
    expect(body.totals).toEqual({ pocs: 9, contributors: 3 });
    expect(body.perMonth.map((m) => m.pocs)).toEqual([2, 1, 3, 0, 0, 0, 2, 0, 0, 0, 0, 1]);
    expect(body.perMonth[0]?.month).toBe('2026-01');
    expect(body.perLanguage).toEqual([
      { language: 'Rust', pocs: 3 },
      { language: 'TypeScript', pocs: 3 },
      { language: 'C, the classic', pocs: 1 },
      { language: 'Go', pocs: 1 },
      { language: 'Python', pocs: 1 },
    ]);
    expect(body.perTag.slice(0, 2)).toEqual([
      { tag: 'cli', pocs: 2 },
      { tag: 'crdt', pocs: 2 },
    ]);
    expect(body.perTag.map((t) => t.tag)).not.toContain('old');
    expect(body.perStatus).toEqual([
      { status: 'active', pocs: 3 },
      { status: 'idea', pocs: 3 },
      { status: 'done', pocs: 2 },
      { status: 'abandoned', pocs: 1 },
    ]);
    expect(body.topContributors.map((c) => [c.userId, c.pocs])).toEqual([
      [ada.user.id, 5],
      [linus.user.id, 3],
      [admin.user.id, 1],
    ]);
    expect(body.dojos).toEqual({
      sessions: 2,
      participants: 2,
      onPocs: 1,
      turns: 4,
      minutes: 25,
      chatMessages: 7,
      runs: 4,
      greenRuns: 2,
      greenShare: 0.5,
      greenSessions: 1,
      medianSecondsToFirstGreen: 180,
    });
  });

  it('shows everyone else only themselves', async () => {
    const { body } = await report(ada.accessToken, 'year=2026');
    expect(body.scope.userId).toBe(ada.user.id);
    expect(body.totals).toEqual({ pocs: 5, contributors: 1 });
    expect(body.topContributors).toEqual([{ userId: ada.user.id, displayName: expect.any(String), pocs: 5 }]);
    expect(body.dojos).toEqual({
      sessions: 1,
      participants: 2,
      onPocs: 1,
      turns: 3,
      minutes: 15,
      chatMessages: 7,
      runs: 3,
      greenRuns: 2,
      greenShare: 0.667,
      greenSessions: 1,
      medianSecondsToFirstGreen: 180,
    });
  });

  it('lets an admin narrow the report to one person', async () => {
    const { body } = await report(admin.accessToken, `year=2026&userId=${linus.user.id}`);
    expect(body.totals.pocs).toBe(3);
    expect(body.dojos.sessions).toBe(2);
  });

  it("refuses someone else's report to a non-admin (403) and other tenants' users to anyone (404)", async () => {
    expect((await report(ada.accessToken, `year=2026&userId=${linus.user.id}`)).status).toBe(403);
    expect((await report(admin.accessToken, `year=2026&userId=${outsider.user.id}`)).status).toBe(404);
    expect((await report(ada.accessToken, 'year=1999')).status).toBe(400);
  });

  it('exports one CSV a spreadsheet opens, with every figure and no live formulas', async () => {
    const response = await api.app.inject({
      url: '/api/v1/reports/pocs?year=2026&format=csv',
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe('attachment; filename="poc-report-2026.csv"');
    expect(response.body.startsWith('\ufeffsection,key,label,value\r\n')).toBe(true);
    const rows = parseCsv(response.body.slice(1));
    expect(rows.every((row) => row.length === 4)).toBe(true);
    expect(rows.filter((row) => row[0] === 'month')).toHaveLength(12);
    expect(rows).toContainEqual(['tenant', admin.tenant.id, 'Report Co', '']);
    expect(rows).toContainEqual(['language', 'C, the classic', '', '1']);
    expect(rows).toContainEqual(['tag', "'=cmd", '', '1']);
    expect(rows).toContainEqual(['contributor', ada.user.id, expect.any(String), '5']);
    expect(rows).toContainEqual(['dojos', 'sessions', '', '2']);
    expect(rows).toContainEqual(['dojos', 'chat_messages', '', '7']);
    expect(rows).toContainEqual(['dojos', 'runs', '', '4']);
    expect(rows).toContainEqual(['dojos', 'green_share', '', '0.5']);
    expect(rows).toContainEqual(['dojos', 'median_seconds_to_first_green', '', '180']);
  });

  it('exports a PDF with the tenant name, the figures as real text and vector charts', async () => {
    const response = await api.app.inject({
      url: '/api/v1/reports/pocs?year=2026&format=pdf',
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.rawPayload.subarray(0, 5).toString('ascii')).toBe('%PDF-');
    const dir = await mkdtemp(join(tmpdir(), 'report-pdf-'));
    try {
      const file = join(dir, 'report.pdf');
      await writeFile(file, response.rawPayload);
      const { stdout: text } = await run('pdftotext', ['-layout', file, '-']);
      expect(text).toContain('Report Co');
      expect(text).toContain('POC report 2026 · whole tenant');
      expect(text).toContain('Top languages');
      expect(text).toMatch(/Rust\s+3/);
      expect(text).toContain('Top contributors');
      expect(text).toContain('#crdt');
      expect(text).toMatch(/Minutes of turns\s+25/);
      expect(text).toMatch(/Test runs\s+4/);
      expect(text).toMatch(/Green runs\s+2 \(50%\)/);
      expect(text).toMatch(/Median time to first green\s+3 min 00 s/);
      const { stdout: images } = await run('pdfimages', ['-list', file]);
      // pdfimages prints a two-line header and one line per image.
      expect(images.trim().split('\n')).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
