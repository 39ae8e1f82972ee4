import { z } from 'zod';
import { port, readConfig } from '@pocdojo/shared/config';

/** The peers under test listen where the harness tells them, like our server does. */
export const readPeerConfig = () =>
  readConfig(
    z.object({
      PORT: port(0),
      HOST: z.string().min(1).default('127.0.0.1'),
      REDIS_URL: z.url().optional(),
      /** Nodes of one cluster share it, so they meet on the same Redis channels. */
      REDIS_PREFIX: z.string().min(1).default('bench'),
    }),
  );
