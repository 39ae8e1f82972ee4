/**
 * The web app's side of a company sign-in (single sign-on): it makes its own PKCE pair and state, keeps
 * them in sessionStorage (this tab only) while the browser visits the company's provider, and redeems
 * the one-time code the API sends back to this page (`/?code=…&state=…`). The flow is described in
 * `@pocdojo/shared/contract/sso`. The digest needs a secure context (https, or http on localhost).
 */
import type { ApiError, ApiResult } from '@pocdojo/sdk/api-client';
import { api } from './session.ts';

const pendingKey = 'pocdojo.company-sign-in';

interface Pending {
  state: string;
  verifier: string;
  /** The page to open once signed in. */
  next: string | undefined;
}

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
const randomText = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** Sends the browser to the team's provider; answers an error when the API refused to start. */
export async function beginCompanySignIn(
  who: { email: string } | { tenant: string },
  next: string | undefined,
): Promise<ApiError | undefined> {
  const pending: Pending = { state: randomText(), verifier: randomText(), next };
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(pending.verifier))),
  );
  const started = await api.startCompanySignIn({
    ...who,
    redirectUri: `${location.origin}${location.pathname}`,
    state: pending.state,
    codeChallenge: challenge,
  });
  if (!started.ok) return started.error;
  sessionStorage.setItem(pendingKey, JSON.stringify(pending));
  location.assign(started.value.authorizationUrl);
  return undefined;
}

/** True when this page load is the end of a provider's round trip (the API sent the browser back here). */
export function returningFromCompanySignIn(): boolean {
  const parameters = new URLSearchParams(location.search);
  return parameters.has('state') && (parameters.has('code') || parameters.has('error'));
}

/**
 * When the provider's round trip just ended on this page: redeems its code (signing in) or answers why it
 * was refused, and takes the parameters off the address. Undefined when this page load is no such return.
 */
export async function finishCompanySignIn(): Promise<
  { result: ApiResult<unknown>; next: string | undefined } | undefined
> {
  if (!returningFromCompanySignIn()) return undefined;
  const parameters = new URLSearchParams(location.search);
  const state = parameters.get('state');
  history.replaceState(null, '', `${location.pathname}${location.hash}`);
  const stored = sessionStorage.getItem(pendingKey);
  sessionStorage.removeItem(pendingKey);
  const pending = stored ? (JSON.parse(stored) as Pending) : undefined;
  const refused = (message: string) => ({
    result: { ok: false as const, error: { status: 401, code: 'unauthorized' as const, message, fields: {} } },
    next: pending?.next,
  });
  if (!pending || pending.state !== state) return refused('This sign-in was started elsewhere: start again.');
  const code = parameters.get('code');
  if (!code) return refused(parameters.get('error_description') ?? 'The company sign-in was refused.');
  return { result: await api.redeemCompanySignIn({ code, codeVerifier: pending.verifier }), next: pending.next };
}
