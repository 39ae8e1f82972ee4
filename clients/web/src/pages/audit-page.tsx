import type { ApiError, AuditAction, AuditEntry, AuditQuery, User } from '@pocdojo/sdk/api-client';
import { auditActions } from '@pocdojo/shared/contract/audit';
import { mayManageMembers } from '@pocdojo/shared/contract/permissions';
import { useEffect, useState } from 'preact/hooks';
import { FormError } from '../form-field.tsx';
import { saveFile } from '../save-file.ts';
import { api, useSession } from '../session.ts';

const pageSize = 50;
const actionLabel = (action: string) => action.replaceAll('_', ' ');

interface Filters {
  person: string;
  action: AuditAction | '';
  /** `yyyy-mm-dd` from the date inputs, in the browser's time zone. */
  from: string;
  to: string;
}

const noFilters: Filters = { person: '', action: '', from: '', to: '' };

/** The day inputs as the API's times: `from` at the start of its day, `to` at the end of its day. */
function queryOf(filters: Filters): AuditQuery {
  const dayStart = (day: string, plusDays = 0) => {
    const [year = 0, month = 1, date = 1] = day.split('-').map(Number);
    return new Date(year, month - 1, date + plusDays).toISOString();
  };
  return {
    person: filters.person || undefined,
    action: filters.action || undefined,
    from: filters.from ? dayStart(filters.from) : undefined,
    to: filters.to ? dayStart(filters.to, 1) : undefined,
  };
}

/** The team's audit trail for its admins: who did what, when and from where; filters, pages and CSV. */
export function AuditPage() {
  const session = useSession();
  if (!mayManageMembers(session?.user.roles ?? []))
    return (
      <section class="page">
        <h1>Audit</h1>
        <p>Only the team's admins see its audit trail.</p>
      </section>
    );
  return <AuditTrail />;
}

function AuditTrail() {
  const [people, setPeople] = useState<User[]>([]);
  const [filters, setFilters] = useState<Filters>(noFilters);
  /** The cursors of the pages seen so far; the last one is the page shown (undefined: the newest). */
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [entries, setEntries] = useState<AuditEntry[] | undefined>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | undefined>();
  const cursor = cursors.at(-1);

  useEffect(() => void api.listUsers().then((answer) => answer.ok && setPeople(answer.value)), []);
  useEffect(() => {
    setEntries(undefined);
    void api.listAudit({ ...queryOf(filters), cursor, limit: pageSize }).then((answer) => {
      if (!answer.ok) return setError(answer.error);
      setError(undefined);
      setEntries(answer.value.items);
      setNext(answer.value.nextCursor);
    });
  }, [filters, cursor]);

  const nameOf = (id: string | null) => people.find((person) => person.id === id)?.displayName;

  function applyFilters(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const field = (name: string) => String(form.get(name) ?? '');
    setFilters({
      person: field('person'),
      action: auditActions.find((action) => action === field('action')) ?? '',
      from: field('from'),
      to: field('to'),
    });
    setCursors([undefined]);
  }

  async function downloadCsv() {
    const file = await api.auditCsv(queryOf(filters));
    if (!file.ok) return setError(file.error);
    saveFile(file.value, 'audit.csv');
  }

  return (
    <section class="page">
      <div class="page-head">
        <h1>Audit</h1>
        <div class="actions">
          <button type="button" onClick={() => void downloadCsv()}>
            Download CSV
          </button>
        </div>
      </div>
      <p class="muted">
        Who did what in this team, newest first. Entries cannot be changed or deleted; the names of people who were
        erased no longer show.
      </p>
      <form class="filters" onSubmit={applyFilters} aria-label="Filter the audit trail">
        <label>
          Person
          <select name="person" defaultValue={filters.person}>
            <option value="">Everyone</option>
            {people.map((person) => (
              <option value={person.id}>{person.displayName}</option>
            ))}
          </select>
        </label>
        <label>
          Action
          <select name="action" defaultValue={filters.action}>
            <option value="">Any action</option>
            {auditActions.map((action) => (
              <option value={action}>{actionLabel(action)}</option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" name="from" defaultValue={filters.from} />
        </label>
        <label>
          To
          <input type="date" name="to" defaultValue={filters.to} />
        </label>
        <button type="submit" class="primary">
          Show
        </button>
      </form>
      <FormError message={error?.message} />
      <table class="table" aria-busy={entries === undefined}>
        <caption class="visually-hidden">Audit entries, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">From</th>
            <th scope="col">Trace</th>
          </tr>
        </thead>
        <tbody>
          {entries?.map((entry) => (
            <tr>
              <td>
                <time dateTime={entry.at}>{new Date(entry.at).toLocaleString()}</time>
              </td>
              <td>{entry.actor.name ?? (entry.actor.id ? 'a former member' : 'unknown')}</td>
              <td>{actionLabel(entry.action)}</td>
              <td>
                {entry.target
                  ? `${entry.target.type} ${entry.target.type === 'person' ? (nameOf(entry.target.id) ?? entry.target.id) : entry.target.id}`
                  : typeof entry.personalDetails?.email === 'string'
                    ? entry.personalDetails.email
                    : ''}
              </td>
              <td title={entry.userAgent ?? undefined}>{entry.address ?? ''}</td>
              <td>
                <code>{entry.traceId.slice(0, 8)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries?.length === 0 && <p class="muted">No entries match.</p>}
      <div class="button-row">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer entries
        </button>
        <button type="button" disabled={!next} onClick={() => next && setCursors([...cursors, next])}>
          Older entries
        </button>
      </div>
    </section>
  );
}
