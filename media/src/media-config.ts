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
  /**
   * TURN servers (comma separated, e.g. `turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349`)
   * that accept the TURN REST API's shared-secret credentials (coturn `use-auth-secret`). Each voice session
   * gets its own short-lived username and password for them.
   */
  TURN_URLS: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((url) => url.trim())
        .filter((url) => url !== ''),
    )
    .pipe(z.array(z.string().regex(/^turns?:/, 'each TURN URL starts with turn: or turns:')).max(8))
    .optional(),
  /** coturn's `static-auth-secret`; never leaves the server. */
  TURN_SHARED_SECRET: z.string().min(16, 'use a TURN shared secret of at least 16 characters').optional(),
  /** How long a minted TURN credential is valid. coturn checks it when a relay is allocated or refreshed. */
  TURN_TTL_SECONDS: positiveInt(3600),
  /**
   * This process's own /media URL as clients reach it (e.g. `wss://pocdojo.example.org/media/m1`). Set, with
   * REDIS_URL, when several media processes run: a dojo's voice room is then placed on one of them through a
   * lease in Redis, and the others send its participants here (docs/adr/0010-voice-placement.md).
   */
  MEDIA_PUBLIC_URL: z.url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' }).optional(),
  /** How long a room's lease outlives the process that holds it: the time before a room moves after a crash. */
  MEDIA_ROOM_LEASE_MS: z.coerce.number().int().min(1000).max(60_000).default(5000),
};

export type MediaSettings = z.infer<z.ZodObject<typeof mediaSettingsShape>>;

/** The standalone voice process (`npm run media`): shared variables, the voice settings, and its own port. */
export const mediaConfigSchema = baseConfigSchema
  .extend({
    ...mediaSettingsShape,
    /** Port of the standalone voice process; the all-in-one process serves /media on PORT. */
    MEDIA_PORT: port(8081),
  })
  .superRefine(refineMediaSettings);

export type MediaConfig = z.infer<typeof mediaConfigSchema>;

/**
 * The checks across variables, shared with the all-in-one process's schema: a port range that is one,
 * TURN URLs and their secret together, and Redis for placement across processes.
 */
export function refineMediaSettings(
  config: Pick<
    MediaSettings,
    'MEDIA_RTC_MIN_PORT' | 'MEDIA_RTC_MAX_PORT' | 'TURN_URLS' | 'TURN_SHARED_SECRET' | 'MEDIA_PUBLIC_URL'
  > & { REDIS_URL?: string | undefined },
  context: z.RefinementCtx,
): void {
  if (config.MEDIA_RTC_MIN_PORT >= config.MEDIA_RTC_MAX_PORT)
    context.addIssue({
      code: 'custom',
      message: 'MEDIA_RTC_MIN_PORT must be below MEDIA_RTC_MAX_PORT',
      path: ['MEDIA_RTC_MIN_PORT'],
    });
  if ((config.TURN_URLS?.length ?? 0) > 0 !== (config.TURN_SHARED_SECRET !== undefined))
    context.addIssue({
      code: 'custom',
      message: 'TURN_URLS and TURN_SHARED_SECRET go together',
      path: ['TURN_SHARED_SECRET'],
    });
  if (config.MEDIA_PUBLIC_URL && !config.REDIS_URL)
    context.addIssue({
      code: 'custom',
      message: 'placing voice rooms across media processes (MEDIA_PUBLIC_URL) needs REDIS_URL',
      path: ['REDIS_URL'],
    });
}

/** The worker binary to run, or undefined when this machine has none (voice then reports unavailable). */
export function resolveWorkerBinary(config: Pick<MediaSettings, 'MEDIASOUP_WORKER_BIN'>): string | undefined {
  const candidate = config.MEDIASOUP_WORKER_BIN ?? debianWorkerBinary;
  return existsSync(candidate) ? candidate : undefined;
}
