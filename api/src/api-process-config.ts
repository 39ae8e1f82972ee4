import { z } from 'zod';
import { apiConfigSchema } from './api-config.ts';

/** What `npm run api` reads (api-process.ts): the API's settings and, when it also serves the web app, its files. */
export const apiProcessConfigSchema = apiConfigSchema.extend({ WEB_ROOT: z.string().min(1).optional() });
