import { DomainError } from '@pocdojo/shared';
import { loopbackRedirectPattern } from '@pocdojo/shared/contract/sso';

/**
 * Where a finished sign-in may send the browser back to: the product's own web app (same origin as the
 * public URL) or a native client's loopback listener (RFC 8252 §7.3: `http://127.0.0.1:<port>/callback`
 * or `[::1]`, any port, since the client picks a free one). Anything else would hand the one-time code to
 * a site of the caller's choosing.
 */
export function checkClientRedirect(redirectUri: string, publicUrl: string): string {
  const loopback = loopbackRedirectPattern.exec(redirectUri);
  if (loopback) {
    const port = Number(loopback[2]);
    if (port >= 1 && port <= 65535) return redirectUri;
  }
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    throw refused();
  }
  if (url.origin === new URL(publicUrl).origin && !url.hash && !url.username && !url.password) return url.toString();
  throw refused();
}

const refused = () =>
  new DomainError(
    'invalid',
    'redirectUri must be the web app’s own address or a loopback http://127.0.0.1:<port>/callback',
  );

/** The client's redirect with the outcome as query parameters (the authorization response shape). */
export function clientRedirect(redirectUri: string, parameters: Record<string, string>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  return url.toString();
}
