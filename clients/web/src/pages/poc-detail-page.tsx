import type { ApiError, Dojo, DojoFormat, Poc } from '@pocdojo/sdk/api-client';
import { dojoFormats } from '@pocdojo/shared/contract/dojos';
import { mayChangePoc, mayChangeRecords } from '@pocdojo/shared/contract/permissions';
import { useEffect, useState } from 'preact/hooks';
import { Field, FormError } from '../form-field.tsx';
import { languageById } from '../languages.ts';
import { navigate } from '../router.ts';
import { api, useSession } from '../session.ts';
import { DojoLanguageField } from './dojo-language-field.tsx';
import { PocForm } from './poc-form.tsx';

/** The tenant's dojos opened on one POC, newest first (the list API pages by 100 and has no POC filter). */
async function dojosOf(pocId: string): Promise<Dojo[]> {
  const found: Dojo[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 20; page += 1) {
    const answer = await api.listDojos({ cursor, limit: 100 });
    if (!answer.ok) break;
    found.push(...answer.value.items.filter((dojo) => dojo.pocId === pocId));
    cursor = answer.value.nextCursor ?? undefined;
    if (!cursor) break;
  }
  return found;
}

export function PocDetailPage({ id }: { id: string }) {
  const session = useSession();
  const [poc, setPoc] = useState<Poc | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [editing, setEditing] = useState(false);
  const [dojos, setDojos] = useState<Dojo[]>([]);

  useEffect(() => {
    void api.getPoc(id).then((answer) => (answer.ok ? setPoc(answer.value) : setError(answer.error)));
    void dojosOf(id).then(setDojos);
  }, [id]);

  if (error)
    return (
      <section class="page">
        <h1>POC</h1>
        <FormError
          message={error.code === 'not_found' ? 'This POC does not exist (or is not yours to see).' : error.message}
        />
      </section>
    );
  if (!poc)
    return (
      <section class="page">
        <p class="muted">Loading…</p>
      </section>
    );

  const roles = session?.user.roles ?? [];
  const mayChange = mayChangePoc({ userId: session?.user.id ?? '', roles }, poc);

  async function remove() {
    if (!poc || !confirm(`Delete “${poc.name}”? This cannot be undone.`)) return;
    const answer = await api.deletePoc(poc.id);
    if (answer.ok) navigate('/pocs');
    else setError(answer.error);
  }

  return (
    <section class="page">
      <p>
        <a href="#/pocs">← All POCs</a>
      </p>
      {editing ? (
        <PocForm
          poc={poc}
          submitLabel="Save changes"
          onCancel={() => setEditing(false)}
          onSave={async (input) => {
            // An emptied field is cleared on the server, not left as it was.
            const answer = await api.updatePoc(poc.id, {
              ...input,
              description: input.description ?? null,
              repoUrl: input.repoUrl ?? null,
            });
            if (!answer.ok) return answer.error;
            setPoc(answer.value);
            setEditing(false);
            return undefined;
          }}
        />
      ) : (
        <article class="card">
          <div class="page-head">
            <h1>{poc.name}</h1>
            {mayChange && (
              <div class="actions">
                <button type="button" onClick={() => setEditing(true)}>
                  Edit
                </button>
                <button type="button" class="danger" onClick={() => void remove()}>
                  Delete
                </button>
              </div>
            )}
          </div>
          <p>
            <span class="badge">{poc.language}</span> <span class="badge status">{poc.status}</span>{' '}
            {poc.tags.map((tag) => (
              <span class="tag">{tag}</span>
            ))}
          </p>
          {poc.description && <p class="description">{poc.description}</p>}
          {poc.repoUrl && (
            <p>
              <a href={poc.repoUrl} rel="noreferrer noopener" target="_blank">
                {poc.repoUrl}
              </a>
            </p>
          )}
          <p class="muted">
            Updated {new Date(poc.updatedAt).toLocaleString()}
            {!mayChange && ' · Only its owner or an admin can change it.'}
          </p>
        </article>
      )}
      <section class="card">
        <h2>Dojos</h2>
        {dojos.length === 0 ? (
          <p class="muted">No dojo on this POC yet.</p>
        ) : (
          <ul class="dojo-list">
            {dojos.map((dojo) => (
              <li>
                <a href={`#/dojos/${dojo.id}`}>{dojo.title ?? 'Untitled dojo'}</a>{' '}
                <span class="muted">{dojo.format}</span>
              </li>
            ))}
          </ul>
        )}
        {mayChangeRecords(roles) ? (
          <StartDojoForm poc={poc} />
        ) : (
          <p class="muted">As an observer you can join this POC's dojos; opening one needs the participant role.</p>
        )}
      </section>
    </section>
  );
}

// A record, so that a format added to the shared list cannot reach the form without a label.
const formatLabels: Record<DojoFormat, string> = {
  randori: 'Randori (the pair rotates)',
  kata: 'Kata (one solves)',
  mob: 'Mob (the driver rotates)',
};

function StartDojoForm({ poc }: { poc: Poc }) {
  const [error, setError] = useState<ApiError | undefined>();
  const [format, setFormat] = useState<DojoFormat>('randori');
  const [language, setLanguage] = useState(languageById(poc.language)?.id ?? poc.language);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const minutes = Number(form.get('turnMinutes'));
    const answer = await api.createDojo({
      title: String(form.get('title') ?? '').trim() || `${poc.name} dojo`,
      pocId: poc.id,
      format,
      language,
      turnMinutes: Number.isFinite(minutes) && minutes > 0 ? minutes : undefined,
    });
    if (answer.ok) navigate(`/dojos/${answer.value.id}`);
    else setError(answer.error);
  }

  return (
    <form class="inline-form" onSubmit={(event) => void submit(event)} aria-label="Start a dojo">
      <Field label="Dojo title" name="title" placeholder={`${poc.name} dojo`} error={error?.fields.title} />
      <div class="field">
        <label for="field-format">Format</label>
        <select
          id="field-format"
          value={format}
          onChange={(event) => setFormat(event.currentTarget.value as DojoFormat)}
        >
          {dojoFormats.map((value) => (
            <option key={value} value={value}>
              {formatLabels[value]}
            </option>
          ))}
        </select>
      </div>
      <DojoLanguageField value={language} onChange={setLanguage} />
      <Field
        label="Turn (minutes)"
        name="turnMinutes"
        type="number"
        min={1}
        max={120}
        defaultValue="5"
        error={error?.fields.turnMinutes}
      />
      <FormError message={error && !Object.keys(error.fields).length ? error.message : undefined} />
      <button type="submit" class="primary">
        Start a dojo
      </button>
    </form>
  );
}
