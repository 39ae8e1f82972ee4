import { z } from 'zod';
import { roleSchema } from '../auth/claims.ts';

/**
 * Company single sign-on (OpenID Connect), as the API answers it and clients drive it.
 *
 * A client (web app or native) signs a person in through the tenant's identity provider in three steps,
 * the same for both, modelled on OAuth for native apps (RFC 8252) with the API as the client's server:
 * 1. `POST /auth/sso/start {email | tenant, redirectUri, state, codeChallenge}` answers the provider's
 *    authorization URL; the client opens it in the (system) browser. `codeChallenge` is the client's
 *    own PKCE challenge (S256 of a verifier it keeps), `state` its own anti-forgery value.
 * 2. The provider sends the browser back to the API's callback, which completes the authorization code
 *    flow (its own state, nonce and PKCE with the provider), provisions the person, and redirects the
 *    browser to `redirectUri?code=…&state=…` (or `?error=…&error_description=…&state=…`).
 *    `redirectUri` is the web app's own origin or a loopback `http://127.0.0.1:<port>/callback`.
 * 3. `POST /auth/sso/token {code, codeVerifier}` redeems the one-time code for the product's session.
 */

/** The sign-in method announced for an address whose domain a tenant verified. */
export const ssoSignInMethodSchema = z.object({
  kind: z.literal('sso'),
  /** The team that signs this address in; `slug` goes back in `start` as `tenant` when useful. */
  tenant: z.object({ name: z.string(), slug: z.string() }),
});
export type SsoSignInMethod = z.infer<typeof ssoSignInMethodSchema>;

/** Loopback redirect of a native client (RFC 8252 §7.3): any port, path `/callback`. */
export const loopbackRedirectPattern = /^http:\/\/(127\.0\.0\.1|\[::1\]):(\d{1,5})\/callback$/;

/** PKCE S256 challenge: base64url of a SHA-256, 43 characters. */
export const codeChallengeSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'the base64url S256 challenge (43 characters)');

export const ssoStartBodySchema = z
  .strictObject({
    /** The address the person typed: its verified domain picks the team. */
    email: z
      .string()
      .trim()
      .toLowerCase()
      .max(254)
      .pipe(z.email({ message: 'must be an email address' }))
      .optional(),
    /** Or the team's slug (or id), for people outside the verified domains or invitation links. */
    tenant: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_-]+$/, 'a tenant slug or id')
      .optional(),
    redirectUri: z.string().max(300),
    state: z
      .string()
      .min(8)
      .max(200)
      .regex(/^[\x21-\x7e]+$/, 'printable characters without spaces'),
    codeChallenge: codeChallengeSchema,
  })
  .refine((body) => (body.email === undefined) !== (body.tenant === undefined), {
    message: 'give either email or tenant',
    path: ['email'],
  });
export type SsoStartBody = z.input<typeof ssoStartBodySchema>;

export const ssoStartResultSchema = z.object({
  /** Open in the browser: the tenant's identity provider. */
  authorizationUrl: z.string(),
  /** The tenant being signed in to. */
  tenant: z.object({ name: z.string(), slug: z.string() }),
  /** Seconds the attempt stays valid. */
  expiresIn: z.number().int(),
});
export type SsoStartResult = z.infer<typeof ssoStartResultSchema>;

export const ssoTokenBodySchema = z.strictObject({
  code: z.string().min(1).max(200),
  codeVerifier: z.string().regex(/^[A-Za-z0-9._~-]{43,128}$/, 'a PKCE code verifier: 43 to 128 unreserved characters'),
});

/** A group of the provider's groups claim and the roles it gives. */
export const groupRolesSchema = z.strictObject({
  group: z.string().trim().min(1).max(200),
  roles: z.array(roleSchema).min(1).max(4),
});
export type GroupRoles = z.infer<typeof groupRolesSchema>;

const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/, 'a domain name such as example.com');

/** What an admin sends to configure the tenant's provider. */
export const ssoSettingsBodySchema = z.strictObject({
  issuer: z.url({ message: 'the issuer URL of the provider' }).max(500),
  clientId: z.string().trim().min(1).max(300),
  /** Required when first configured; leave it out to keep the stored one. */
  clientSecret: z.string().min(1).max(1000).optional(),
  defaultRole: roleSchema.default('participant'),
  /** The ID token claim listing the person's groups (`groups` for Keycloak, Okta, Entra; `cognito:groups`). */
  groupsClaim: z.string().trim().min(1).max(100).nullable().default(null),
  groupRoles: z.array(groupRolesSchema).max(100).default([]),
  /** Domains whose addresses are sent to this provider once verified. */
  domains: z.array(domainSchema).max(20).default([]),
  /** False turns password sign-in off for the team (needs a verified domain, which proves SSO works). */
  passwordSignIn: z.boolean().default(true),
});
export type SsoSettingsBody = z.input<typeof ssoSettingsBodySchema>;

/** What the API tells an admin about the configuration: never the secret. */
export const ssoSettingsSchema = z.object({
  issuer: z.string(),
  clientId: z.string(),
  clientSecretSet: z.boolean(),
  defaultRole: roleSchema,
  groupsClaim: z.string().nullable(),
  groupRoles: z.array(groupRolesSchema),
  domains: z.array(z.object({ domain: z.string(), verified: z.boolean() })),
  passwordSignIn: z.boolean(),
  /** The address to register at the provider as the redirect (callback) URI. */
  redirectUri: z.string(),
});
export type SsoSettings = z.infer<typeof ssoSettingsSchema>;

/** The redirect URI an admin registers at the provider: needed before anything is set up. */
export const ssoRedirectUriSchema = z.object({ redirectUri: z.string() });
