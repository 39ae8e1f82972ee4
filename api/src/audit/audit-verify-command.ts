/**
 * `npm run audit:verify [-- --tenant <slug or id>]`: walks each tenant's audit chain (or one tenant's) and
 * reports the first broken entry. Exit code 0 when every chain holds, 1 when one is broken, 2 on bad
 * arguments. Reads as the database owner; with the embedded database, stop the server first (it holds
 * DATA_DIR).
 */
import { parseArgs } from 'node:util';
import { createLogger, openDatabase, readConfig, verifyAuditChain } from '@pocdojo/shared';
import { apiConfigSchema } from '../api-config.ts';

const config = readConfig(apiConfigSchema);
const logger = createLogger({ level: config.LOG_LEVEL, name: 'audit-verify' });
const { values } = parseArgs({ options: { tenant: { type: 'string' } }, strict: true });

const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, logger });
try {
  let tenants = database.db.selectFrom('tenants').select(['id', 'slug']).orderBy('slug');
  if (values.tenant)
    tenants = tenants.where((eb) => eb.or([eb('slug', '=', values.tenant ?? ''), eb('id', '=', values.tenant ?? '')]));
  const rows = await tenants.execute();
  if (values.tenant && rows.length === 0) {
    logger.error({ tenant: values.tenant }, 'no such tenant');
    process.exitCode = 2;
  }
  for (const tenant of rows) {
    const report = await verifyAuditChain(database.db, tenant.id);
    if (report.firstBroken) {
      logger.error({ tenant: tenant.slug, ...report }, 'audit chain broken');
      process.exitCode = 1;
    } else {
      logger.info({ tenant: tenant.slug, ...report }, 'audit chain intact');
    }
  }
} finally {
  await database.close();
}
