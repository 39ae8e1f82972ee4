/** The API's request handlers use the tenant transactions every service shares. */
export { appRole, enterTenant, withAppRole, withTenant, type TenantTransaction } from '@pocdojo/shared';
