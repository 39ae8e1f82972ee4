import { baseConfigSchema, flag, parseTtl, positiveInt } from '@pocdojo/shared';
import { runRequestConfigSection } from '@pocdojo/shared/runs/run-request';
import { z } from 'zod';
import { reportsVideosConfigSection } from './videos/video-config.ts';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, context) => {
      try {
        const seconds = parseTtl(text);
        // A zero lifetime would issue tokens that are dead on arrival (and refresh on every call).
        if (seconds > 0) return seconds;
        context.addIssue({ code: 'custom', message: 'must be at least 1s' });
        return z.NEVER;
      } catch (error) {
        context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'invalid duration' });
        return z.NEVER;
      }
    });

/**
 * The API's own variables, reports and videos included (S3_*, VIDEO_*); the all-in-one server merges
 * this section into its schema.
 */
export const apiConfigSection = reportsVideosConfigSection.extend({
  /** Lifetime of access tokens (`15m`, `1h`, seconds…); browser tests shorten it to cross an expiry. */
  API_ACCESS_TOKEN_TTL: duration('15m'),
  API_REFRESH_TOKEN_TTL: duration('30d'),
  /** Lifetime of dojo collaboration tokens returned by join. */
  API_JOIN_TOKEN_TTL: duration('2h'),
  /** Largest accepted request body, in bytes. */
  API_BODY_LIMIT: positiveInt(64 * 1024),
  /** Requests per minute on the auth endpoints from one client address. */
  API_AUTH_RATE_PER_MINUTE: positiveInt(30),
  /** Logins per minute into one tenant, whatever the address. */
  API_AUTH_TENANT_RATE_PER_MINUTE: positiveInt(300),
  /** Failed logins for one email address before it is locked for API_LOGIN_LOCKOUT. */
  API_LOGIN_MAX_FAILURES: positiveInt(5),
  API_LOGIN_LOCKOUT: duration('15m'),
  API_SEARCH_RATE_PER_MINUTE_USER: positiveInt(120),
  API_SEARCH_RATE_PER_MINUTE_TENANT: positiveInt(1200),
  /** Personal-data exports per person and hour (each reads every video the person has). */
  API_EXPORTS_PER_HOUR: positiveInt(10),
  /** Trust X-Forwarded-For (only behind a proxy that sets it). */
  API_TRUST_PROXY: flag(false),
  /** Selects the OpenSearch engine; Postgres full-text search otherwise. */
  OPENSEARCH_URL: z.url().optional(),
  OPENSEARCH_INDEX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,100}$/)
    .default('pocdojo-pocs'),
  /**
   * The address browsers reach the product at (`https://dojo.example.com`): the single sign-on callback
   * registered at identity providers is `<API_PUBLIC_URL>/api/v1/auth/sso/callback`, and the web app
   * there may receive sign-ins. Defaults to `http://localhost:<PORT>`.
   */
  API_PUBLIC_URL: z
    .url()
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  /** 32 bytes, base64: seals tenants' client secrets. Unset: a key created once in DATA_DIR. */
  API_SSO_SECRET_KEY: z
    .string()
    .refine((text) => Buffer.from(text, 'base64').length === 32, '32 bytes in base64')
    .optional(),
  /** Accept identity providers over plain http (local Keycloak, tests); never in production. */
  API_SSO_ALLOW_HTTP_ISSUERS: flag(false),
  /** How long a single sign-on attempt (browser round trip, then redeeming its code) may take. */
  API_SSO_SIGN_IN_TTL: duration('10m'),
  // Runs started over the API obey the same limits as the dojo's `run` command.
  ...runRequestConfigSection.shape,
});

export const apiConfigSchema = baseConfigSchema.extend(apiConfigSection.shape);
export type ApiConfig = z.infer<typeof apiConfigSchema>;
