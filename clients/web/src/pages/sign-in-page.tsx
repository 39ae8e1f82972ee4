import type { ApiError, ApiResult, SignInMethod, TeamChoice } from '@pocdojo/sdk/api-client';
import { beginCompanySignIn, finishCompanySignIn } from '../company-sign-in.ts';
import { useEffect, useState } from 'preact/hooks';
import { Field, FormError } from '../form-field.tsx';
import { navigate } from '../router.ts';
import { onTabKey } from '../tab-keys.ts';
import { api, signedOutNotice, useSession } from '../session.ts';
import { welcomeNewTeam } from '../team-welcome.tsx';

/**
 * Sign in from the email address (nobody has to know a team's slug), or create a new team whose first
 * member becomes its admin and facilitator. Signing in takes steps: the email, then the way that
 * address signs in (the company's sign-in when its domain has one, a password unless the company turned
 * passwords off), then — when the password opens several teams — the team.
 * An invitation link names its team (`tenant`), which is then chosen without asking; `next` is the
 * page to return to.
 */
type Step =
  | { name: 'email' }
  | { name: 'password'; email: string; company: TeamChoice | undefined; password: boolean }
  | { name: 'team'; email: string; password: string; teams: TeamChoice[] };

export function SignInPage({ tenant, next }: { tenant: string | undefined; next: string | undefined }) {
  const session = useSession();
  const [mode, setMode] = useState<'signin' | 'signup'>('signin');
  const [step, setStep] = useState<Step>({ name: 'email' });
  const [email, setEmail] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const [notice] = useState(signedOutNotice);

  // Back from the company's identity provider: redeem its one-time code (or say why it was refused).
  useEffect(() => {
    void finishCompanySignIn().then((finished) => {
      if (!finished) return;
      if (!finished.result.ok) return setError(finished.result.error);
      if (finished.next) navigate(finished.next);
    });
  }, []);

  async function continueWithCompany(who: { email: string } | { tenant: string }): Promise<void> {
    setBusy(true);
    const refused = await beginCompanySignIn(who, next);
    setBusy(false);
    setError(refused);
  }

  // Signed in here or in another tab: carry on to where the person was going. (Effects run after the
  // next paint, so a sign-up's answer has been noted, for the welcome, by then.)
  useEffect(() => {
    if (session) navigate(next ?? '/pocs');
  }, [session]);

  async function submit<T>(call: () => Promise<ApiResult<T>>, then: (value: T) => void): Promise<void> {
    setBusy(true);
    const result = await call();
    setBusy(false);
    if (!result.ok) return setError(result.error);
    setError(undefined);
    then(result.value);
  }

  function login(credentials: { email: string; password: string; tenant?: string }): Promise<void> {
    return submit(
      () => api.login(credentials),
      (outcome) => {
        if (outcome.kind === 'signedIn') return;
        const invited = outcome.teams.find((team) => team.slug === tenant?.toLowerCase());
        if (invited) return void login({ ...credentials, tenant: invited.slug });
        setStep({ name: 'team', email: credentials.email, password: credentials.password, teams: outcome.teams });
      },
    );
  }

  const switchMode = (value: 'signin' | 'signup') => (setMode(value), setError(undefined));
  const restart = () => (setStep({ name: 'email' }), setError(undefined));
  const message =
    error &&
    (error.code === 'unauthorized' && step.name !== 'email'
      ? 'Email or password is wrong.'
      : error.code === 'rate_limited'
        ? 'Too many attempts: wait a few minutes, then try again.'
        : Object.keys(error.fields).length
          ? 'Please correct the fields below.'
          : error.message);

  return (
    <main id="main" class="auth">
      <section class="card auth-card">
        <h1 class="brand-title">POC Dojo</h1>
        {notice && (
          <p class="auth-notice" role="status">
            {notice}
          </p>
        )}
        <div
          class="tabs"
          role="tablist"
          aria-label="Account"
          onKeyDown={(event) => onTabKey(event, ['signin', 'signup'] as const, mode, switchMode)}
        >
          {(['signin', 'signup'] as const).map((value) => (
            <button
              type="button"
              role="tab"
              aria-selected={mode === value}
              tabIndex={mode === value ? 0 : -1}
              class={mode === value ? 'tab active' : 'tab'}
              onClick={() => switchMode(value)}
            >
              {value === 'signin' ? 'Sign in' : 'Create a team'}
            </button>
          ))}
        </div>
        {mode === 'signup' ? (
          <SignUpForm
            busy={busy}
            error={error}
            message={message}
            onSubmit={(input) =>
              void submit(
                () => api.signup(input),
                ({ slugSuffixed }) => welcomeNewTeam(slugSuffixed),
              )
            }
          />
        ) : step.name === 'email' ? (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              const typed = String(new FormData(event.currentTarget).get('email') ?? '').trim();
              setEmail(typed);
              void submit(
                () => api.signInMethods(typed),
                ({ methods }) => setStep(stepOf(typed, methods)),
              );
            }}
          >
            <Field
              label="Email"
              name="email"
              type="email"
              required
              autoComplete="username"
              defaultValue={email}
              error={error?.fields.email}
            />
            <FormError message={message} />
            <button type="submit" class="primary" disabled={busy}>
              Continue
            </button>
            {tenant && (
              // An invitation names the team: its people may sign in with the company's account without a
              // verified domain (the team's answer says whether it has a company sign-in).
              <button
                type="button"
                class="link-button"
                disabled={busy}
                onClick={() => void continueWithCompany({ tenant })}
              >
                Sign in with your company account
              </button>
            )}
          </form>
        ) : step.name === 'password' ? (
          <div>
            {step.company && (
              <div class="company-sign-in">
                <button
                  type="button"
                  class="primary"
                  disabled={busy}
                  onClick={() => void continueWithCompany({ email: step.email })}
                >
                  Continue with {step.company.name}
                </button>
                {step.password ? (
                  <p class="muted">or with a password:</p>
                ) : (
                  <>
                    <p class="muted">{step.company.name} signs in with its company account only.</p>
                    <FormError message={message} />
                    <button type="button" class="link-button" onClick={restart}>
                      Use another email
                    </button>
                  </>
                )}
              </div>
            )}
            {step.password && (
              <PasswordStep
                email={step.email}
                busy={busy}
                error={error}
                message={message}
                onRestart={restart}
                onSubmit={(password) => void login({ email: step.email, password })}
              />
            )}
          </div>
        ) : (
          <div>
            <h2 id="team-choice-title">Choose a team</h2>
            <p class="muted">This password opens several teams of {step.email}.</p>
            <ul class="team-choice" aria-labelledby="team-choice-title">
              {step.teams.map((team) => (
                <li key={team.slug}>
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() => void login({ email: step.email, password: step.password, tenant: team.slug })}
                  >
                    <span class="team-name">{team.name}</span> <span class="muted">{team.slug}</span>
                  </button>
                </li>
              ))}
            </ul>
            <FormError message={message} />
            <button type="button" class="link-button" onClick={restart}>
              Use another email
            </button>
          </div>
        )}
      </section>
    </main>
  );
}

function stepOf(email: string, methods: SignInMethod[]): Step {
  const company = methods.find((method) => method.kind === 'sso');
  return {
    name: 'password',
    email,
    company: company?.tenant,
    password: methods.some((method) => method.kind === 'password'),
  };
}

function PasswordStep(props: {
  email: string;
  busy: boolean;
  error: ApiError | undefined;
  message: string | undefined;
  onRestart: () => void;
  onSubmit: (password: string) => void;
}) {
  // The email was the last step's question: the person now types the password, where the focus waits.
  useEffect(() => document.getElementById('field-password')?.focus(), []);
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        props.onSubmit(String(new FormData(event.currentTarget).get('password') ?? ''));
      }}
    >
      {/* Read-only but in the form, so that password managers know which account this is. */}
      <Field
        label="Email"
        name="email"
        type="email"
        readOnly
        value={props.email}
        autoComplete="username"
        error={props.error?.fields.email}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        required
        autoComplete="current-password"
        error={props.error?.fields.password}
      />
      <FormError message={props.message} />
      <div class="button-row">
        <button type="submit" class="primary" disabled={props.busy}>
          Sign in
        </button>
        <button type="button" class="link-button" onClick={props.onRestart}>
          Use another email
        </button>
      </div>
    </form>
  );
}

function SignUpForm(props: {
  busy: boolean;
  error: ApiError | undefined;
  message: string | undefined;
  onSubmit: (input: { tenantName: string; email: string; password: string; displayName?: string }) => void;
}) {
  const fieldError = (name: string) => props.error?.fields[name];
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        const text = (name: string) => String(form.get(name) ?? '').trim();
        props.onSubmit({
          tenantName: text('tenantName'),
          email: text('email'),
          password: String(form.get('password') ?? ''),
          displayName: text('displayName') || undefined,
        });
      }}
    >
      <Field
        label="Team name"
        name="tenantName"
        required
        autoComplete="organization"
        error={fieldError('tenantName')}
      />
      <Field label="Your name" name="displayName" autoComplete="name" error={fieldError('displayName')} />
      <Field label="Email" name="email" type="email" required autoComplete="email" error={fieldError('email')} />
      <Field
        label="Password"
        name="password"
        type="password"
        required
        minLength={8}
        autoComplete="new-password"
        error={fieldError('password')}
      />
      <FormError message={props.message} />
      <button type="submit" class="primary" disabled={props.busy}>
        Create team
      </button>
    </form>
  );
}
