import { DomainError } from '@pocdojo/shared';
import * as oidc from 'openid-client';

/**
 * A tenant's OpenID Connect provider, spoken to through `openid-client` (certified): discovery, the
 * authorization URL with state, nonce and PKCE (S256), and the code exchange whose ID token the library
 * checks (signature against the provider's published keys, issuer, audience, expiry, nonce). Nothing
 * here parses or verifies a token by hand.
 */
export interface ProviderClient {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** What the ID token says about the person, once the library accepted it. */
export interface ProviderIdentity {
  subject: string;
  email: string | undefined;
  emailVerified: boolean | undefined;
  name: string | undefined;
  claims: Record<string, unknown>;
}

/** Discovered configurations are reused for this long, then discovered again (keys and endpoints rotate). */
const discoveryLifetimeMs = 10 * 60 * 1000;

export class IdentityProviders {
  private readonly discovered = new Map<string, { at: number; configuration: Promise<oidc.Configuration> }>();

  constructor(private readonly options: { allowHttp: boolean }) {}

  /**
   * The provider's configuration from its discovery document; throws `invalid` with the reason when
   * the issuer cannot be discovered (wrong URL, not a provider, the document names another issuer).
   */
  async discover(client: ProviderClient): Promise<oidc.Configuration> {
    const key = JSON.stringify([client.issuer, client.clientId, client.clientSecret]);
    const cached = this.discovered.get(key);
    if (cached && Date.now() - cached.at < discoveryLifetimeMs) return cached.configuration;
    const configuration = oidc
      .discovery(new URL(client.issuer), client.clientId, undefined, oidc.ClientSecretBasic(client.clientSecret), {
        // The ID token comes straight from the token endpoint, where OpenID Connect lets TLS stand in for
        // its signature; we check the signature against the published keys anyway (a TLS-terminating
        // proxy or a plain-http provider in development is then no way around it).
        execute: [oidc.enableNonRepudiationChecks, ...(this.options.allowHttp ? [oidc.allowInsecureRequests] : [])],
        timeout: 10,
      })
      .catch((error: unknown) => {
        this.discovered.delete(key);
        throw new DomainError(
          'invalid',
          `the identity provider at ${client.issuer} could not be discovered: ${reasonOf(error)}`,
        );
      });
    this.discovered.set(key, { at: Date.now(), configuration });
    return configuration;
  }

  /** Where to send the browser: the provider's authorization endpoint with the attempt's checks. */
  authorizationUrl(
    configuration: oidc.Configuration,
    attempt: { redirectUri: string; state: string; nonce: string; codeChallenge: string },
  ): string {
    return oidc
      .buildAuthorizationUrl(configuration, {
        redirect_uri: attempt.redirectUri,
        scope: 'openid email profile',
        state: attempt.state,
        nonce: attempt.nonce,
        code_challenge: attempt.codeChallenge,
        code_challenge_method: 'S256',
      })
      .toString();
  }

  /**
   * Completes the authorization code flow from the URL the provider sent the browser to: checks the
   * response (state, issuer), redeems the code with the PKCE verifier and checks the ID token.
   * Throws `unauthorized` with a sentence a person can act on.
   */
  async complete(
    configuration: oidc.Configuration,
    callbackUrl: URL,
    checks: { state: string; nonce: string; codeVerifier: string },
  ): Promise<ProviderIdentity> {
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.codeVerifier,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new DomainError('unauthorized', 'the identity provider sent no ID token');
      return {
        subject: claims.sub,
        email: typeof claims.email === 'string' ? claims.email.toLowerCase() : undefined,
        emailVerified: typeof claims.email_verified === 'boolean' ? claims.email_verified : undefined,
        name: typeof claims.name === 'string' ? claims.name : undefined,
        claims,
      };
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new DomainError('unauthorized', `company sign-in refused: ${refusalOf(error)}`);
    }
  }
}

/** The library's finding, said for a person (the reasons tests and admins need to tell apart). */
function refusalOf(error: unknown): string {
  if (error instanceof oidc.AuthorizationResponseError) {
    return `the identity provider did not sign you in (${error.error}${error.error_description ? `: ${error.error_description}` : ''})`;
  }
  if (error instanceof oidc.ResponseBodyError) {
    if (error.error === 'invalid_grant') {
      return 'the identity provider refused the authorization code (already used, expired, or issued for another PKCE verifier)';
    }
    return `the identity provider refused the code exchange (${error.error})`;
  }
  const claim = claimOf(error);
  if (claim === 'iss') return 'the ID token was issued by another provider than the team’s';
  if (claim === 'nonce') return 'the ID token does not belong to this sign-in (nonce mismatch)';
  if (claim === 'aud') return 'the ID token was issued to another client';
  if (claim === 'exp') return 'the ID token has expired';
  const code = error instanceof oidc.ClientError ? error.code : undefined;
  if (code === 'OAUTH_KEY_SELECTION_FAILED' || /signature/i.test(reasonOf(error))) {
    return 'the ID token’s signature does not match the keys the provider publishes';
  }
  if (code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') return 'the ID token is outside its validity period';
  return reasonOf(error);
}

/** The claim a failed comparison was about; openid-client wraps the finding of oauth4webapi in causes. */
function claimOf(error: unknown): string | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const claim =
      typeof cause.cause === 'object' && cause.cause !== null ? (cause.cause as { claim?: unknown }).claim : undefined;
    if (typeof claim === 'string') return claim;
  }
  return undefined;
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
