import { z } from 'zod';

/**
 * Every process reads its environment once, through `readConfig`, at start. A bad value stops the
 * process with one message that names every offending variable, instead of failing later somewhere deep.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const optionalUrl = z.url().optional();

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Variables every POC Dojo process understands. Services extend this with their own section. */
export const baseConfigSchema = z.object({
  PORT: port(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./.data'),
  /** The services' login: on a Postgres server, a role that neither owns the tables nor bypasses row-level security. */
  DATABASE_URL: optionalUrl,
  /** The tables' owner, for migrations only; unset = migrations log in with DATABASE_URL. */
  DATABASE_OWNER_URL: optionalUrl,
  REDIS_URL: optionalUrl,
  AUTH_JWKS_URL: optionalUrl,
  AUTH_ISSUER: z.string().min(1).default('poc-dojo'),
  AUTH_AUDIENCE: z.string().min(1).default('poc-dojo'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

export function readConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Empty strings mean "unset": shells and compose files often export VAR= to clear a value.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  return result.data;
}

/**
 * What a process's entry point does with its configuration: read it, or print every problem (and an
 * optional hint) on stderr and exit with status 2 before anything starts.
 */
export function readConfigOrExit<S extends z.ZodType>(schema: S, hint?: string): z.infer<S> {
  try {
    return readConfig(schema);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n${hint ? `${hint}\n` : ''}`);
    process.exit(2);
  }
}
