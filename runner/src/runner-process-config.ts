import { baseConfigSchema, port } from '@pocdojo/shared';
import { z } from 'zod';
import { runnerSettingsShape } from './runner-config.ts';
import { runServiceSettingsShape } from './service/run-service-config.ts';

/** What `npm run runner` reads (runner-process.ts): the sandbox limits, the run service, the shared database. */
export const runnerProcessConfigSchema = baseConfigSchema.extend({
  ...runnerSettingsShape,
  ...runServiceSettingsShape,
  PORT: port(8092),
  DATABASE_URL: z.url({
    error: 'a separate runner needs the shared database (the all-in-one process runs tests by itself)',
  }),
});
