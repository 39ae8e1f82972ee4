import { z } from 'zod';
import { baseConfigSchema } from '../config.ts';

/** What `npm run db:create-service-role` reads: both logins, the owner's to migrate and grant, the services' to create. */
export const serviceRoleConfigSchema = baseConfigSchema.extend({ DATABASE_URL: z.url(), DATABASE_OWNER_URL: z.url() });
