import { roleSchema } from '@pocdojo/shared';
import { z } from 'zod';

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: 'must be an email address' }));
export const passwordSchema = z.string().min(8, 'at least 8 characters').max(256);
export const displayNameSchema = z.string().trim().min(1).max(100);
export const rolesSchema = z
  .array(roleSchema)
  .min(1)
  .max(4)
  .transform((roles) => [...new Set(roles)]);

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

export const signupBodySchema = z.strictObject({
  tenantName: z.string().trim().min(1).max(100),
  email: emailSchema,
  password: passwordSchema,
  displayName: displayNameSchema.optional(),
});

export const loginBodySchema = z.strictObject({
  /** The tenant's slug; its id (`t_…`) is accepted too. */
  tenant: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'a tenant slug or id'),
  email: emailSchema,
  password: z.string().min(1).max(256),
});

export const refreshBodySchema = z.strictObject({ refreshToken: z.string().min(1).max(200) });
