import type { Role } from '../auth/claims.ts';

/**
 * What a team role allows, read by the API (which enforces it) and by the clients (which say so
 * plainly instead of offering a form that the API would refuse).
 */

/** Observers read only: creating or changing POCs and dojos needs any other role. */
export const mayChangeRecords = (roles: readonly Role[]): boolean => roles.some((role) => role !== 'observer');

/** Adding people to the team and listing its members is for its admins. */
export const mayManageMembers = (roles: readonly Role[]): boolean => roles.includes('admin');

/** A POC is changed or deleted by its owner or an admin. */
export const mayChangePoc = (caller: { userId: string; roles: readonly Role[] }, poc: { ownerId: string }): boolean =>
  poc.ownerId === caller.userId || caller.roles.includes('admin');
