import type { ApiError } from '@pocdojo/sdk/api-client';
import { useState } from 'preact/hooks';
import { Field, FormError } from '../form-field.tsx';
import { navigate } from '../router.ts';
import { onTabKey } from '../tab-keys.ts';
import { api } from '../session.ts';

/**
 * Sign in to a team (tenant slug + email + password), or create a new team whose first member
 * becomes its admin and facilitator. An invitation link carries the tenant and the page to open next.
 */
export function SignInPage({ tenant, next }: { tenant: string | undefined; next: string | undefined }) {
  const [mode, setMode] = useState<'signin' | 'signup'>(tenant ? 'signin' : 'signup');
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    setBusy(true);
    const result =
      mode === 'signin'
        ? await api.login({
            tenant: text('tenant'),
            email: text('email'),
            password: String(form.get('password') ?? ''),
          })
        : await api.signup({
            tenantName: text('tenantName'),
            email: text('email'),
            password: String(form.get('password') ?? ''),
            displayName: text('displayName') || undefined,
          });
    setBusy(false);
    if (!result.ok) return setError(result.error);
    setError(undefined);
    navigate(next ?? '/pocs');
  }

  const fieldError = (name: string) => error?.fields[name];
  const message =
    error &&
    (error.code === 'unauthorized'
      ? 'Wrong team, email or password.'
      : Object.keys(error.fields).length
        ? 'Please correct the fields below.'
        : error.message);

  return (
    <main id="main" class="auth">
      <section class="card auth-card">
        <h1 class="brand-title">POC Dojo</h1>
        <div
          class="tabs"
          role="tablist"
          aria-label="Account"
          onKeyDown={(event) =>
            onTabKey(event, ['signin', 'signup'] as const, mode, (value) => (setMode(value), setError(undefined)))
          }
        >
          {(['signin', 'signup'] as const).map((value) => (
            <button
              type="button"
              role="tab"
              aria-selected={mode === value}
              tabIndex={mode === value ? 0 : -1}
              class={mode === value ? 'tab active' : 'tab'}
              onClick={() => (setMode(value), setError(undefined))}
            >
              {value === 'signin' ? 'Sign in' : 'Create a team'}
            </button>
          ))}
        </div>
        <form onSubmit={(event) => void submit(event)} noValidate={false}>
          {mode === 'signin' ? (
            <Field
              label="Team (slug)"
              name="tenant"
              required
              autoComplete="organization"
              defaultValue={tenant}
              error={fieldError('tenant')}
            />
          ) : (
            <>
              <Field
                label="Team name"
                name="tenantName"
                required
                autoComplete="organization"
                error={fieldError('tenantName')}
              />
              <Field label="Your name" name="displayName" autoComplete="name" error={fieldError('displayName')} />
            </>
          )}
          <Field label="Email" name="email" type="email" required autoComplete="email" error={fieldError('email')} />
          <Field
            label="Password"
            name="password"
            type="password"
            required
            minLength={mode === 'signup' ? 8 : undefined}
            autoComplete={mode === 'signin' ? 'current-password' : 'new-password'}
            error={fieldError('password')}
          />
          <FormError message={message} />
          <button type="submit" class="primary" disabled={busy}>
            {mode === 'signin' ? 'Sign in' : 'Create team'}
          </button>
        </form>
      </section>
    </main>
  );
}
