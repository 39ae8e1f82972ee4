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

export const signupBodySchema = z.strictObject({
  tenantName: z.string().trim().min(1).max(100),
  email: emailSchema,
  password: passwordSchema,
  displayName: displayNameSchema.optional(),
});

export const signInMethodsBodySchema = z.strictObject({ email: emailSchema });

export const loginBodySchema = z.strictObject({
  /**
   * The team to sign in to, by slug (its id `t_…` is accepted too): for scripts, and for the second
   * request after the person chose among several teams. Without it every team of the email is tried.
   */
  tenant: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'a tenant slug or id')
    .optional(),
  email: emailSchema,
  password: z.string().min(1).max(256),
});

export const refreshBodySchema = z.strictObject({ refreshToken: z.string().min(1).max(200) });
