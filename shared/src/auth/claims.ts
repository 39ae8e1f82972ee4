import { z } from 'zod';
import { hasNul, nulMessage } from '../contract/nul-characters.ts';
import { tenantIdSchema } from '../tenant.ts';

export const roles = ['admin', 'facilitator', 'participant', 'observer'] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

/** Claims end up in Postgres text (removals, session summaries), which cannot hold NUL. */
const claimText = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((text) => !hasNul(text), nulMessage);

/**
 * What an access token says about its bearer. `dojo` is set on join tokens, which the API issues for
 * one dojo with the caller's role in that dojo; `observing` on those the caller asked for with
 * `as: observer`: read-only, and no role the dojo gives the same person elsewhere applies to it.
 */
export const claimsSchema = z.object({
  sub: claimText(1, 128),
  tid: tenantIdSchema,
  roles: z.array(roleSchema).max(4),
  dojo: claimText(1, 64).optional(),
  observing: z.literal(true).optional(),
  name: claimText(0, 200).optional(),
  exp: z.number().int(),
  iat: z.number().int().optional(),
  jti: claimText(0, 128).optional(),
});

export type Claims = z.infer<typeof claimsSchema>;

/** Observers read; every other role may write (dojo rules narrow this further). */
export const canWrite = (claims: Pick<Claims, 'roles'>): boolean => claims.roles.some((role) => role !== 'observer');
