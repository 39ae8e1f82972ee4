import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { baseConfigSchema, port, positiveInt } from '@pocdojo/shared';

/** Where Debian's `mediasoup-worker` package (3.8.4, from experimental) installs the worker. */
export const debianWorkerBinary = '/usr/lib/x86_64-linux-gnu/mediasoup/mediasoup-worker';

const iceServerSchema = z.object({
  urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof iceServerSchema>;

/** `MEDIA_TURN_SERVERS` is a JSON array in the RTCIceServer shape browsers take verbatim. */
const iceServersSchema = z
  .string()
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'must be a JSON array of {urls, username?, credential?}' });
      return z.NEVER;
    }
  })
  .pipe(z.array(iceServerSchema).max(16))
  .default([]);

const ipSchema = z.union([z.ipv4(), z.ipv6()]);

/**
 * The voice service's settings. The all-in-one process extends its own schema with this shape
 * (`collabConfigSchema.extend(mediaSettingsShape)`); the standalone process uses `mediaConfigSchema`.
 */
export const mediaSettingsShape = {
  /** The worker binary; defaults to Debian's when installed. Absent → voice is unavailable, the rest runs. */
  MEDIASOUP_WORKER_BIN: z.string().min(1).optional(),
  /** mediasoup workers (processes, one core each). Defaults to one per core. */
  MEDIA_WORKERS: positiveInt(availableParallelism()),
  /** mediasoup's guidance: a worker carries about 500 consumers; a room grows onto another worker past it. */
  MEDIA_CONSUMERS_PER_WORKER: positiveInt(500),
  MEDIA_LISTEN_IP: ipSchema.default('127.0.0.1'),
  /** The address clients reach (public IP behind NAT); defaults to the listen IP. */
  MEDIA_ANNOUNCED_IP: z.string().min(1).optional(),
  MEDIA_RTC_MIN_PORT: port(40000),
  MEDIA_RTC_MAX_PORT: port(49999),
  MEDIA_TURN_SERVERS: iceServersSchema,
  /** Signaling requests a session may send per second (bursts of five seconds' worth pass). */
  MEDIA_REQUESTS_PER_SECOND: positiveInt(20),
  MEDIA_WORKER_LOG_LEVEL: z.enum(['debug', 'warn', 'error', 'none']).default('error'),
};

export type MediaSettings = z.infer<z.ZodObject<typeof mediaSettingsShape>>;

/** The standalone voice process (`npm run media`): shared variables, the voice settings, and its own port. */
export const mediaConfigSchema = baseConfigSchema
  .extend({
    ...mediaSettingsShape,
    /** Port of the standalone voice process; the all-in-one process serves /media on PORT. */
    MEDIA_PORT: port(8081),
  })
  .refine((c) => c.MEDIA_RTC_MIN_PORT < c.MEDIA_RTC_MAX_PORT, {
    message: 'MEDIA_RTC_MIN_PORT must be below MEDIA_RTC_MAX_PORT',
    path: ['MEDIA_RTC_MIN_PORT'],
  });

export type MediaConfig = z.infer<typeof mediaConfigSchema>;

/** The worker binary to run, or undefined when this machine has none (voice then reports unavailable). */
export function resolveWorkerBinary(config: Pick<MediaSettings, 'MEDIASOUP_WORKER_BIN'>): string | undefined {
  const candidate = config.MEDIASOUP_WORKER_BIN ?? debianWorkerBinary;
  return existsSync(candidate) ? candidate : undefined;
}
