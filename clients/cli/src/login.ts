/**
 * `pocdojo login`: email and password against the server's `/api/v1/auth/login`, the session stored
 * for the following commands. When the password opens several teams the person picks one (`--team`).
 * A team's company sign-in goes through the browser instead: `company-login.ts`.
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

/** How the API lets this address sign in: a team's company sign-in (when announced), a password, or both. */
export async function signInMethodsFor(
  server: string,
  email: string,
): Promise<{ company?: { name: string; slug: string }; password: boolean }> {
  const answer = await new ApiClient({ baseUrl: serverOrigin(server) }).signInMethods(email);
  if (!answer.ok) throw new Error(answer.error.message);
  const { methods } = answer.value;
  const company = methods.find((method) => method.kind === 'sso')?.tenant;
  return { ...(company && { company }), password: methods.some((method) => method.kind === 'password') };
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
