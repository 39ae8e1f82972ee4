/**
 * `pocdojo login --sso`: the company sign-in of a native client (RFC 8252, `docs/sso.md`). A loopback
 * listener on 127.0.0.1, a PKCE pair (S256) and a random state; the team's identity provider opens in
 * the system browser, whose last redirect brings a one-time code to the listener; the code is redeemed
 * with the verifier for the usual session, stored like a password login's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ApiClient } from '@pocdojo/sdk/api-client';
import type { CredentialStore } from './credentials.ts';
import { listenOnLoopback, type LoopbackRedirect } from './loopback-redirect.ts';
import { serverOrigin, type LoginOutcome } from './login.ts';

export interface CompanyLoginInput {
  server: string;
  /** The person's address (its verified domain picks the team), or the team's slug. */
  account: { email: string } | { team: string };
  /** Opens the provider's page in the system browser; absent with `--no-browser`. */
  openBrowser?: (url: string) => Promise<void>;
  /** Tells the person where to sign in (and the address to open by hand). */
  say: (text: string) => void;
  /** How long to wait for the browser; the API's attempt lifetime when shorter. */
  timeoutMs?: number;
}

const defaultTimeoutMs = 5 * 60_000;

const duration = (ms: number) =>
  ms >= 120_000 ? `${Math.round(ms / 60_000)} minutes` : `${Math.round(ms / 1000)} seconds`;

function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function logInWithCompany(store: CredentialStore, input: CompanyLoginInput): Promise<LoginOutcome> {
  const server = serverOrigin(input.server);
  const api = new ApiClient({ baseUrl: server });
  const listener = await listenOnLoopback();
  try {
    const pkce = pkcePair();
    const state = randomBytes(16).toString('base64url');
    const started = await api.startCompanySignIn({
      ...('email' in input.account ? { email: input.account.email } : { tenant: input.account.team }),
      redirectUri: listener.redirectUri,
      state,
      codeChallenge: pkce.challenge,
    });
    if (!started.ok) return { kind: 'refused', message: started.error.message };
    const { authorizationUrl, tenant, expiresIn } = started.value;
    input.say(
      input.openBrowser
        ? `Sign in to ${tenant.name} in your browser. If it does not open, open this address:\n  ${authorizationUrl}`
        : `Open this address in a browser on this machine to sign in to ${tenant.name}:\n  ${authorizationUrl}`,
    );
    if (input.openBrowser) {
      await input.openBrowser(authorizationUrl).catch((error: unknown) => {
        input.say(`Could not open a browser (${error instanceof Error ? error.message : String(error)}).`);
      });
    }
    const timeoutMs = Math.min(input.timeoutMs ?? defaultTimeoutMs, expiresIn * 1000);
    const redirect = await listener.redirect(
      timeoutMs,
      `no answer from the browser within ${duration(timeoutMs)}; nothing was stored. ` +
        'Run pocdojo login --sso again (with --no-browser to open the address yourself).',
    );
    return await finish(store, api, server, redirect, { state, verifier: pkce.verifier });
  } catch (error) {
    return { kind: 'refused', message: error instanceof Error ? error.message : String(error) };
  } finally {
    await listener.close();
  }
}

/** Checks the browser's answer, redeems the code, and tells the browser's tab how it ended. */
async function finish(
  store: CredentialStore,
  api: ApiClient,
  server: string,
  redirect: LoopbackRedirect,
  expected: { state: string; verifier: string },
): Promise<LoginOutcome> {
  const refuse = async (message: string): Promise<LoginOutcome> => {
    await redirect.answer({ status: 400, title: 'Sign-in refused', text: `${message} You can close this tab.` });
    return { kind: 'refused', message };
  };
  const parameters = redirect.parameters;
  // A redirect carrying another state was not started by this command: its code is not redeemed.
  if (parameters.get('state') !== expected.state)
    return refuse(
      'The browser came back from a sign-in this command did not start (its state differs); nothing was stored.',
    );
  const error = parameters.get('error');
  if (error) return refuse(`The company sign-in was refused: ${parameters.get('error_description') ?? error}.`);
  const code = parameters.get('code');
  if (!code) return refuse('The browser came back without a sign-in code; nothing was stored.');
  const redeemed = await api.redeemCompanySignIn({ code, codeVerifier: expected.verifier });
  if (!redeemed.ok) return refuse(`The sign-in code was not accepted: ${redeemed.error.message}`);
  const session = redeemed.value;
  await store.write({ server, session });
  await redirect.answer({
    status: 200,
    title: 'Signed in to POC Dojo',
    text: `You are signed in as ${session.user.displayName}, team ${session.tenant.name}. You can close this tab.`,
  });
  return { kind: 'signedIn', user: session.user, team: { name: session.tenant.name, slug: session.tenant.slug } };
}
