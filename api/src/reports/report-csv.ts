import type { PocReport } from '@pocdojo/shared/contract/reports';

/**
 * The report as one CSV a spreadsheet opens: a long table `section,key,label,value` (every figure on its
 * own row, so one file holds months, languages, tags and people). UTF-8 with a byte-order mark and CRLF
 * line ends, which Excel needs to read accents; cells that a spreadsheet would run as a formula are
 * prefixed with an apostrophe.
 */
const formulaStart = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = formulaStart.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function reportCsv(report: PocReport): string {
  const rows: Array<[string, string, string, string | number | null]> = [
    ['tenant', report.tenant.id, report.tenant.name, null],
    ['scope', 'year', '', report.scope.year],
    ['scope', 'user', '', report.scope.userId ?? 'whole tenant'],
    ['totals', 'pocs', '', report.totals.pocs],
    ['totals', 'contributors', '', report.totals.contributors],
    ...report.perMonth.map((m): [string, string, string, number] => ['month', m.month, '', m.pocs]),
    ...report.perLanguage.map((l): [string, string, string, number] => ['language', l.language, '', l.pocs]),
    ...report.perTag.map((t): [string, string, string, number] => ['tag', t.tag, '', t.pocs]),
    ...report.perStatus.map((s): [string, string, string, number] => ['status', s.status, '', s.pocs]),
    ...report.topContributors.map((c): [string, string, string, number] => [
      'contributor',
      c.userId,
      c.displayName,
      c.pocs,
    ]),
    ['dojos', 'sessions', '', report.dojos.sessions],
    ['dojos', 'participants', '', report.dojos.participants],
    ['dojos', 'on_pocs', '', report.dojos.onPocs],
    ['dojos', 'turns', '', report.dojos.turns],
    ['dojos', 'minutes', '', report.dojos.minutes],
    ['dojos', 'chat_messages', '', report.dojos.chatMessages],
    ['dojos', 'runs', '', report.dojos.runs],
    ['dojos', 'green_runs', '', report.dojos.greenRuns],
    ['dojos', 'green_share', '', report.dojos.greenShare],
    ['dojos', 'green_sessions', '', report.dojos.greenSessions],
    ['dojos', 'median_seconds_to_first_green', '', report.dojos.medianSecondsToFirstGreen],
  ];
  const lines = [['section', 'key', 'label', 'value'], ...rows].map((row) => row.map(csvCell).join(','));
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
