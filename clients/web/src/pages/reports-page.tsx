import type { ApiError, PocReport } from '@pocdojo/sdk/api-client';
import { useEffect, useState } from 'preact/hooks';
import { greenRunsText, timeToGreenText } from '@pocdojo/shared/contract/reports';
import { FormError } from '../form-field.tsx';
import { api } from '../session.ts';
import { YearAndPerson } from './person-picker.tsx';

/** A year of POCs and dojos in figures (`GET /api/v1/reports/pocs`), with CSV and PDF downloads. */
export function ReportsPage() {
  const [year, setYear] = useState(new Date().getFullYear());
  const [userId, setUserId] = useState<string | undefined>();
  const [report, setReport] = useState<PocReport | undefined>();
  const [error, setError] = useState<ApiError | undefined>();

  useEffect(() => {
    setReport(undefined);
    void api.pocReport({ year, userId }).then((answer) => {
      if (answer.ok) {
        setReport(answer.value);
        setError(undefined);
      } else setError(answer.error);
    });
  }, [year, userId]);

  async function download(format: 'csv' | 'pdf') {
    const file = await api.pocReportFile({ year, userId, format });
    if (!file.ok) return setError(file.error);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(file.value);
    link.download = `poc-report-${year}.${format}`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  const busiest = Math.max(1, ...(report?.perMonth.map((month) => month.pocs) ?? [1]));
  const notRecorded = (value: number | null) => (value === null ? <span class="muted">not recorded yet</span> : value);

  return (
    <section class="page">
      <div class="page-head">
        <h1>Reports</h1>
        <div class="actions">
          <button type="button" onClick={() => void download('csv')}>
            Download CSV
          </button>
          <button type="button" onClick={() => void download('pdf')}>
            Download PDF
          </button>
        </div>
      </div>
      <YearAndPerson
        year={year}
        userId={userId}
        allowTeam
        onChange={(nextYear, nextUser) => {
          setYear(nextYear);
          setUserId(nextUser);
        }}
      />
      <FormError message={error?.message} />
      {!report && !error && <p class="muted">Loading…</p>}
      {report && (
        <>
          <div class="figures">
            <Figure label="POCs" value={report.totals.pocs} />
            <Figure label="Contributors" value={report.totals.contributors} />
            <Figure label="Dojos" value={report.dojos.sessions} />
            <Figure label="Dojo participants" value={report.dojos.participants} />
          </div>
          <section class="card">
            <h2>POCs per month</h2>
            <ol class="bars" aria-label="POCs per month">
              {report.perMonth.map((month) => (
                <li>
                  <span class="bar-label">{month.month}</span>
                  <span class="bar" style={{ width: `${(month.pocs / busiest) * 100}%` }} />
                  <span class="bar-value">{month.pocs}</span>
                </li>
              ))}
            </ol>
          </section>
          <div class="report-grid">
            <Table title="Languages" rows={report.perLanguage.map((row) => [row.language, row.pocs])} />
            <Table title="Tags" rows={report.perTag.map((row) => [row.tag, row.pocs])} />
            <Table title="Status" rows={report.perStatus.map((row) => [row.status, row.pocs])} />
            <Table title="Top contributors" rows={report.topContributors.map((row) => [row.displayName, row.pocs])} />
          </div>
          <section class="card">
            <h2>Dojos</h2>
            <dl class="facts">
              <dt>On this period's POCs</dt>
              <dd>{report.dojos.onPocs}</dd>
              <dt>Minutes</dt>
              <dd>{notRecorded(report.dojos.minutes)}</dd>
              <dt>Turns</dt>
              <dd>{notRecorded(report.dojos.turns)}</dd>
              <dt>Chat messages</dt>
              <dd>{notRecorded(report.dojos.chatMessages)}</dd>
              <dt>Test runs</dt>
              <dd>{report.dojos.runs}</dd>
              <dt>Green runs</dt>
              <dd>{greenRunsText(report.dojos)}</dd>
              <dt>Sessions that went green</dt>
              <dd>{report.dojos.greenSessions}</dd>
              <dt>Median time to first green</dt>
              <dd>{timeToGreenText(report.dojos.medianSecondsToFirstGreen)}</dd>
            </dl>
          </section>
        </>
      )}
    </section>
  );
}

function Figure({ label, value }: { label: string; value: number }) {
  return (
    <div class="card figure">
      <span class="figure-value">{value}</span>
      <span class="muted">{label}</span>
    </div>
  );
}

function Table({ title, rows }: { title: string; rows: [string, number][] }) {
  return (
    <section class="card">
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p class="muted">None in this period.</p>
      ) : (
        <table class="table">
          <caption class="visually-hidden">{title}</caption>
          <tbody>
            {rows.map(([name, value]) => (
              <tr>
                <th scope="row">{name}</th>
                <td>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
