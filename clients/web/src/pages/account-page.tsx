import type { ApiError } from '@pocdojo/sdk/api-client';
import { useState } from 'preact/hooks';
import { FormError } from '../form-field.tsx';
import { saveFile } from '../save-file.ts';
import { api, useSession } from '../session.ts';

/** Who you are here, and a copy of everything the product holds about you. */
export function AccountPage() {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [done, setDone] = useState(false);
  if (!session) return null;

  async function download() {
    setBusy(true);
    setDone(false);
    const file = await api.exportMyData();
    setBusy(false);
    if (!file.ok) return setError(file.error);
    setError(undefined);
    setDone(true);
    saveFile(file.value, 'pocdojo-my-data.zip');
  }

  return (
    <section class="page">
      <h1>Your account</h1>
      <dl class="card">
        <dt>Name</dt>
        <dd>{session.user.displayName}</dd>
        <dt>Email</dt>
        <dd>{session.user.email}</dd>
        <dt>Team</dt>
        <dd>{session.tenant.name}</dd>
        <dt>Roles</dt>
        <dd>{session.user.roles.join(', ')}</dd>
      </dl>
      <section class="card" aria-labelledby="my-data-title">
        <h2 id="my-data-title">Your data</h2>
        <p>
          One zip file with everything POC Dojo holds about you: your profile, the POCs you own, the dojos you took part
          in, the chat messages you wrote, your videos and the audit entries about your account.
        </p>
        <FormError message={error?.message} />
        {done && (
          <p role="status" class="success">
            Your data was downloaded.
          </p>
        )}
        <button type="button" class="primary" disabled={busy} onClick={() => void download()}>
          {busy ? 'Preparing your data…' : 'Download my data'}
        </button>
      </section>
    </section>
  );
}
