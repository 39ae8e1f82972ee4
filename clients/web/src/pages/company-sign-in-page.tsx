import type { ApiError, SsoSettings, User } from '@pocdojo/sdk/api-client';
import { mayManageMembers } from '@pocdojo/shared/contract/permissions';
import { useEffect, useState } from 'preact/hooks';
import { beginCompanySignIn } from '../company-sign-in.ts';
import { Field, FormError } from '../form-field.tsx';
import { api, useSession } from '../session.ts';

const roles: User['roles'] = ['admin', 'facilitator', 'participant', 'observer'];

/**
 * The team's company sign-in (OpenID Connect), for its admins: the provider, the roles people get, the
 * email domains announced on the sign-in page, and the switch that turns passwords off. Setup per
 * provider: docs/sso.md.
 */
export function CompanySignInPage() {
  const session = useSession();
  if (!mayManageMembers(session?.user.roles ?? []))
    return (
      <section class="page">
        <h1>Company sign-in</h1>
        <p>Only the team's admins set up how its people sign in.</p>
      </section>
    );
  return <CompanySignInSettings slug={session?.tenant.slug ?? ''} />;
}

/** `group = role, role` per line ⇄ the API's `[{group, roles}]`. */
const groupLines = (settings: SsoSettings | undefined) =>
  (settings?.groupRoles ?? []).map(({ group, roles: given }) => `${group} = ${given.join(', ')}`).join('\n');

function parseGroupLines(text: string): { group: string; roles: User['roles'] }[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [group = '', given = ''] = line.split('=');
      return {
        group: group.trim(),
        roles: given
          .split(',')
          .map((role) => role.trim())
          .filter((role): role is User['roles'][number] => (roles as string[]).includes(role)),
      };
    });
}

function CompanySignInSettings({ slug }: { slug: string }) {
  const [settings, setSettings] = useState<SsoSettings | undefined>();
  const [redirectUri, setRedirectUri] = useState<string | undefined>();
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    // The redirect URI is what an admin registers at the provider first, so it shows before any setup.
    void Promise.all([api.getCompanySignIn(), api.getCompanySignInRedirectUri()]).then(([answer, redirect]) => {
      if (answer.ok) setSettings(answer.value);
      else if (answer.error.code !== 'not_found') setError(answer.error);
      if (redirect.ok) setRedirectUri(redirect.value.redirectUri);
      setLoaded(true);
    });
  }, []);

  async function save(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const secret = String(form.get('clientSecret') ?? '');
    const answer = await api.saveCompanySignIn({
      issuer: text('issuer'),
      clientId: text('clientId'),
      ...(secret && { clientSecret: secret }),
      defaultRole: roles.find((role) => role === text('defaultRole')) ?? 'participant',
      groupsClaim: text('groupsClaim') || null,
      groupRoles: parseGroupLines(String(form.get('groupRoles') ?? '')),
      domains: text('domains')
        .split(/[\s,]+/)
        .filter(Boolean),
      passwordSignIn: form.get('passwordSignIn') === 'on',
    });
    setSaved(answer.ok);
    if (!answer.ok) return setError(answer.error);
    setError(undefined);
    setSettings(answer.value);
  }

  async function remove() {
    const answer = await api.removeCompanySignIn();
    if (!answer.ok) return setError(answer.error);
    setSettings(undefined);
    setSaved(false);
  }

  if (!loaded) return <p class="page muted">Loading…</p>;
  const fieldError = (name: string) => error?.fields[name];
  return (
    <section class="page">
      <h1>Company sign-in</h1>
      <p class="muted">
        Let the team sign in with its company account (Keycloak, Cognito, Entra ID, Google Workspace, Okta or any OpenID
        Connect provider). Register this app at the provider as a web application with the redirect URI below;
        docs/sso.md has the settings of each provider.
      </p>
      {redirectUri && (
        <p>
          Redirect URI to register: <code>{redirectUri}</code>
        </p>
      )}
      <form class="card" onSubmit={(event) => void save(event)} aria-labelledby="sso-form-title">
        <h2 id="sso-form-title">Identity provider</h2>
        <Field
          label="Issuer URL"
          name="issuer"
          type="url"
          required
          defaultValue={settings?.issuer}
          placeholder="https://sso.example.com/realms/acme"
          error={fieldError('issuer')}
        />
        <Field
          label="Client id"
          name="clientId"
          required
          defaultValue={settings?.clientId}
          error={fieldError('clientId')}
        />
        <Field
          label={settings?.clientSecretSet ? 'Client secret (stored; leave empty to keep it)' : 'Client secret'}
          name="clientSecret"
          type="password"
          autoComplete="off"
          required={!settings?.clientSecretSet}
          error={fieldError('clientSecret')}
        />
        <div class="field">
          <label for="field-defaultRole">Role of people signing in the first time</label>
          <select id="field-defaultRole" name="defaultRole">
            {roles.map((role) => (
              <option value={role} selected={role === (settings?.defaultRole ?? 'participant')}>
                {role}
              </option>
            ))}
          </select>
        </div>
        <Field
          label="Groups claim (optional)"
          name="groupsClaim"
          defaultValue={settings?.groupsClaim ?? ''}
          placeholder="groups"
          error={fieldError('groupsClaim')}
        />
        <div class="field">
          <label for="field-groupRoles">Roles of groups, one per line: group = role, role</label>
          <textarea id="field-groupRoles" name="groupRoles" rows={3} defaultValue={groupLines(settings)} />
        </div>
        <Field
          label="Email domains (comma-separated)"
          name="domains"
          defaultValue={settings?.domains.map(({ domain }) => domain).join(', ')}
          placeholder="example.com"
          error={fieldError('domains')}
        />
        {settings && settings.domains.length > 0 && (
          <ul class="domains" aria-label="Domain verification">
            {settings.domains.map(({ domain, verified }) => (
              <li>
                {domain}: {verified ? 'verified' : 'not verified yet (a company sign-in from this domain verifies it)'}
              </li>
            ))}
          </ul>
        )}
        <fieldset class="roles">
          <legend>Password sign-in</legend>
          <label>
            <input type="checkbox" name="passwordSignIn" defaultChecked={settings?.passwordSignIn ?? true} /> People may
            also sign in with a password (turn off once a domain is verified)
          </label>
        </fieldset>
        <FormError message={error && !Object.keys(error.fields).length ? error.message : undefined} />
        {saved && (
          <p role="status" class="success">
            Saved: the provider answered its discovery.
          </p>
        )}
        <div class="button-row">
          <button type="submit" class="primary">
            Save
          </button>
          {settings && (
            <>
              <button type="button" onClick={() => void beginCompanySignIn({ tenant: slug }, '/company-sign-in')}>
                Try a company sign-in
              </button>
              <button type="button" class="link-button" onClick={() => void remove()}>
                Remove company sign-in
              </button>
            </>
          )}
        </div>
      </form>
    </section>
  );
}
