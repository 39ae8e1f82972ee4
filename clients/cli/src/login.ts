/**
 * `pocdojo login`: email and password against the server's `/api/v1/auth/login`, the session stored
 * for the following commands. When the password opens several teams the person picks one (`--team`).
 *
 * Single sign-on in the browser (PKCE with a loopback redirect) is not offered yet: the API side of it
 * is being built, and this command will open the browser once the API has the endpoints.
 */
import { ApiClient, type TeamChoice, type User } from '@pocdojo/sdk/api-client';
import type { CredentialStore } from './credentials.ts';

export type LoginOutcome =
  | { kind: 'signedIn'; user: User; team: { name: string; slug: string } }
  | { kind: 'chooseTeam'; teams: TeamChoice[] }
  | { kind: 'refused'; message: string };

/** The origin of a server address the person typed; throws a readable error for anything else. */
export function serverOrigin(address: string): string {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new Error(`"${address}" is not a server address (e.g. https://dojo.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`"${address}" is not an http(s) address`);
  return url.origin;
}

export async function logIn(
  store: CredentialStore,
  input: { server: string; email: string; password: string; team?: string },
): Promise<LoginOutcome> {
  const server = serverOrigin(input.server);
  const api = new ApiClient({ baseUrl: server });
  const result = await api.login({
    email: input.email,
    password: input.password,
    ...(input.team ? { tenant: input.team } : {}),
  });
  if (!result.ok) return { kind: 'refused', message: result.error.message };
  if (result.value.kind === 'chooseTeam') return { kind: 'chooseTeam', teams: result.value.teams };
  const { session } = result.value;
  await store.write({ server, session });
  return { kind: 'signedIn', user: session.user, team: { name: session.tenant.name, slug: session.tenant.slug } };
}
