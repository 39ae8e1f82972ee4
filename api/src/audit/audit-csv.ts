import { stringify, type Stringifier } from 'csv-stringify';
import type { AuditEntry } from '@pocdojo/shared/contract/audit';

/**
 * The audit trail as CSV for a spreadsheet: one entry per row, UTF-8 with a byte-order mark (Excel reads
 * accents then). Cells a spreadsheet would run as a formula (a user agent is anyone's text) start with an
 * apostrophe.
 */
const formulaStart = /^[=+\-@\t\r]/;
const cell = (value: string | null) => (value !== null && formulaStart.test(value) ? `'${value}` : value);

export const auditCsvColumns = [
  'seq',
  'at',
  'action',
  'actor_id',
  'actor_name',
  'target_type',
  'target_id',
  'address',
  'user_agent',
  'trace_id',
  'details',
  'redacted',
] as const;

export const auditCsv = (): Stringifier =>
  stringify({ header: true, bom: true, record_delimiter: 'windows', columns: [...auditCsvColumns] });

export function auditCsvRow(entry: AuditEntry): Record<(typeof auditCsvColumns)[number], string | number | null> {
  return {
    seq: entry.seq,
    at: entry.at,
    action: entry.action,
    actor_id: entry.actor.id,
    actor_name: cell(entry.actor.name),
    target_type: entry.target?.type ?? null,
    target_id: entry.target?.id ?? null,
    address: cell(entry.address),
    user_agent: cell(entry.userAgent),
    trace_id: entry.traceId,
    details: cell(JSON.stringify({ ...entry.details, ...entry.personalDetails })),
    redacted: entry.redacted ? 'yes' : 'no',
  };
}
