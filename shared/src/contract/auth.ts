import { z } from 'zod';
import { roleSchema } from '../auth/claims.ts';
import { ssoSignInMethodSchema } from './sso.ts';

/**
 * What the REST API answers about accounts and sessions. The API serializes and documents its auth
 * responses with these schemas; the SDK validates what it receives with the same ones.
 *
 * Signing in starts from the email address alone: nobody has to know a team's slug.
 * 1. `POST /auth/sign-in-methods {email}` says how that address signs in. The answer depends on the
 *    address's domain only (public knowledge), never on whether it has an account: a password, and the
 *    company sign-in (`sso`, see `./sso.ts`) of the tenant that verified the domain; a tenant that
 *    turned passwords off announces only its sign-in.
 * 2. `POST /auth/login {email, password}` checks the password in every team the address belongs to and
 *    answers a session when it matches in one, or the teams it matches in (name and slug) when several:
 *    the client repeats the request with the chosen team's slug as `tenant`.
 */
export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  roles: z.array(roleSchema),
});
export type User = z.infer<typeof userSchema>;

export const tenantSchema = z.object({ id: z.string(), name: z.string(), slug: z.string() });
export type Tenant = z.infer<typeof tenantSchema>;

export const sessionSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  /** Seconds until the access token expires. */
  expiresIn: z.number().int(),
  user: userSchema,
  tenant: tenantSchema,
});
export type Session = z.infer<typeof sessionSchema>;

/**
 * Why `POST /auth/refresh` refused, when it is more than an expired or revoked token: the problem's
 * `reason` member. `account_erased`: the person was erased from the team, so signing in again will not work
 * either; clients say so instead of asking them to sign in.
 */
export const refreshRefusalReasons = ['account_erased'] as const;
export type RefreshRefusalReason = (typeof refreshRefusalReasons)[number];

export const signupResultSchema = sessionSchema.extend({
  /**
   * True when another team already had the slug made from this name, so the new team's slug carries
   * a random suffix: the person should be told the address their team really got.
   */
  slugSuffixed: z.boolean(),
});
export type SignupResult = z.infer<typeof signupResultSchema>;

export const signInMethodSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('password') }),
  ssoSignInMethodSchema,
]);
export type SignInMethod = z.infer<typeof signInMethodSchema>;

export const signInMethodsSchema = z.object({ methods: z.array(signInMethodSchema).min(1) });

/** A team offered to choose from: a person reads the name, the client sends the slug back. */
export const teamChoiceSchema = z.object({ name: z.string(), slug: z.string() });
export type TeamChoice = z.infer<typeof teamChoiceSchema>;

/** The password matched in several teams of this address: choose one and repeat the login with its slug. */
export const chooseTeamSchema = z.object({ teams: z.array(teamChoiceSchema).min(2) });

export const loginResultSchema = z.union([sessionSchema, chooseTeamSchema]);
export type LoginResult = z.infer<typeof loginResultSchema>;
