/**
 * The REST client of a logged-in person: the stored session, refreshed automatically when the API
 * refuses an expired access token, each rotation written back to the credentials file (a refresh token
 * is spent once, so the next run must find the new one). A refresh the API refuses ends the login.
 */
import { type ApiError, ApiClient } from '@pocdojo/sdk/api-client';
import type { RefreshRefusalReason } from '@pocdojo/shared/contract/auth';
import type { CredentialStore, Credentials } from './credentials.ts';

export interface SignedInApi {
  api: ApiClient;
  server: string;
  credentials: Credentials;
  /** Resolves once every session change so far is on disk. */
  flushed(): Promise<void>;
}

export class NotLoggedIn extends Error {}

export async function signedInApi(store: CredentialStore): Promise<SignedInApi> {
  const credentials = await store.read();
  if (!credentials) throw new NotLoggedIn('not logged in: run `pocdojo login --server <url>` first');
  let writes = Promise.resolve();
  const api = new ApiClient({
    baseUrl: credentials.server,
    session: credentials.session,
    onSession: (session, change) => {
      writes = writes.then(() => {
        if (change === 'refreshed' && session) return store.replaceSession(credentials.server, session);
        if (change === 'ended' || change === 'erased' || change === 'signedOut') return store.remove();
        return undefined;
      });
    },
  });
  return { api, server: credentials.server, credentials, flushed: () => writes };
}

/**
 * A failed call as a sentence; a login the API no longer accepts says how to sign in again, unless the
 * person was erased from the team, which signing in cannot mend.
 */
export function explain(error: ApiError, server: string): string {
  if (error.code !== 'unauthorized') return error.message;
  if (error.reason === ('account_erased' satisfies RefreshRefusalReason))
    return `your account was erased from this team on ${server}: an administrator of the team can add you again`;
  return `your login has expired: run \`pocdojo login --server ${server}\` again`;
}
