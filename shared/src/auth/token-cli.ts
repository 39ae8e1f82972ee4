/**
 * `npm run token -- --tenant <tid> --user <sub> --role <role> [--role …] [--ttl 1h] [--dojo <id>]`
 * prints a token that the local server (same DATA_DIR) accepts. For scripts and load testers.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { baseConfigSchema, readConfig } from '../config.ts';
import { roleSchema } from './claims.ts';
import { loadOrCreateSigningKey } from './signing-key.ts';
import { createTokenIssuer, parseTtl } from './token-issuer.ts';
import { tenantIdSchema } from '../tenant.ts';

const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    user: { type: 'string' },
    role: { type: 'string', multiple: true },
    ttl: { type: 'string', default: '1h' },
    dojo: { type: 'string' },
    name: { type: 'string' },
  },
});

const args = z
  .object({
    tenant: tenantIdSchema,
    user: z.string().min(1).max(128),
    role: z.array(roleSchema).min(1, 'at least one --role'),
    ttl: z.string(),
    dojo: z.string().min(1).max(64).optional(),
    name: z.string().max(200).optional(),
  })
  .safeParse({ ...values, role: values.role ?? [] });

if (!args.success) {
  process.stderr.write(
    `usage: npm run token -- --tenant <tid> --user <sub> --role <${roleSchema.options.join('|')}> [--ttl 1h] [--dojo <id>]\n` +
      args.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n') +
      '\n',
  );
  process.exit(2);
}

const config = readConfig(baseConfigSchema);
const key = await loadOrCreateSigningKey(config.DATA_DIR);
const issuer = createTokenIssuer({ key, issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE });
const { tenant, user, role, ttl, dojo, name } = args.data;
process.stdout.write((await issuer.issue({ sub: user, tid: tenant, roles: role, dojo, name }, parseTtl(ttl))) + '\n');
