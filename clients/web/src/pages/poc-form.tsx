import type { ApiError, Poc, PocInput, PocStatus } from '@pocdojo/sdk/api-client';
import { useState } from 'preact/hooks';
import { Field, FormError } from '../form-field.tsx';
import { languages } from '../languages.ts';

const statuses: PocStatus[] = ['idea', 'active', 'done', 'abandoned'];

/** Create or edit a POC; `onSave` returns the API's error so the form can show it by field. */
export function PocForm({
  poc,
  submitLabel,
  onSave,
  onCancel,
}: {
  poc?: Poc;
  submitLabel: string;
  onSave: (input: PocInput) => Promise<ApiError | undefined>;
  onCancel: () => void;
}) {
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<PocStatus>(poc?.status ?? 'idea');

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const tags = text('tags')
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean);
    setBusy(true);
    const failure = await onSave({
      name: text('name'),
      description: text('description') || undefined,
      language: text('language'),
      tags,
      repoUrl: text('repoUrl') || undefined,
      status,
    });
    setBusy(false);
    setError(failure);
  }

  return (
    <form class="card poc-form" onSubmit={(event) => void submit(event)}>
      <Field label="Name" name="name" required maxLength={200} defaultValue={poc?.name} error={error?.fields.name} />
      <div class="field">
        <label for="field-description">Description</label>
        <textarea
          id="field-description"
          name="description"
          rows={3}
          maxLength={5000}
          defaultValue={poc?.description ?? ''}
        />
        {error?.fields.description && <p class="field-error">{error.fields.description}</p>}
      </div>
      <div class="field-row">
        <div class="field">
          <label for="field-language">Language</label>
          <input id="field-language" name="language" required list="language-options" defaultValue={poc?.language} />
          <datalist id="language-options">
            {languages.map((language) => (
              <option value={language.id}>{language.label}</option>
            ))}
          </datalist>
          {error?.fields.language && <p class="field-error">{error.fields.language}</p>}
        </div>
        <div class="field">
          <label for="field-status">Status</label>
          <select
            id="field-status"
            name="status"
            value={status}
            onChange={(event) => setStatus(event.currentTarget.value as PocStatus)}
          >
            {statuses.map((status) => (
              <option value={status}>{status}</option>
            ))}
          </select>
        </div>
      </div>
      <Field
        label="Tags (comma separated)"
        name="tags"
        defaultValue={poc?.tags.join(', ')}
        error={error?.fields.tags}
      />
      <Field
        label="Repository URL"
        name="repoUrl"
        type="url"
        defaultValue={poc?.repoUrl}
        error={error?.fields.repoUrl}
      />
      <FormError message={error && !Object.keys(error.fields).length ? error.message : undefined} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {submitLabel}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
