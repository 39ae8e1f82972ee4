import { port } from '@pocdojo/shared';
import { z } from 'zod';
import { videoServiceConfigSchema } from '../videos/video-config.ts';

/** What `npm run worker` reads (worker-process.ts): the video settings, its operations port, the shared database. */
export const workerConfigSchema = videoServiceConfigSchema.extend({
  /** Where /healthz, /readyz and /metrics answer. */
  PORT: port(8083),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.url({
    error: 'a separate worker needs the shared database (the all-in-one process renders by itself)',
  }),
});
