/**
 * `DATABASE_OWNER_URL=… DATABASE_URL=… npm run db:create-service-role` migrates as the owner, then creates
 * (or checks) the services' login named by DATABASE_URL and grants it what the services need. See
 * service-role.ts for what it may and may not do. Safe to run again.
 */
import { readConfigOrExit } from '../config.ts';
import { createLogger } from '../logging.ts';
import { serviceRoleConfigSchema } from './service-role-config.ts';
import { createServiceRole, ServiceRoleError } from './service-role.ts';

const config = readConfigOrExit(
  serviceRoleConfigSchema,
  'usage: DATABASE_OWNER_URL=postgresql://owner@host/db DATABASE_URL=postgresql://services:secret@host/db npm run db:create-service-role',
);
const logger = createLogger({ level: config.LOG_LEVEL, name: 'service-role' });

try {
  await createServiceRole({ ownerUrl: config.DATABASE_OWNER_URL, serviceUrl: config.DATABASE_URL, logger });
} catch (error) {
  if (!(error instanceof ServiceRoleError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
