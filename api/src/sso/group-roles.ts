import type { Role } from '@pocdojo/shared';
import type { GroupRoles } from '@pocdojo/shared/contract/sso';

/**
 * The roles a person gets from their provider's groups claim: every role of every mapped group they are
 * in; the default role when the claim is absent, not a list, or none of its groups is mapped.
 */
export function rolesFromGroups(
  claims: Record<string, unknown>,
  settings: { groupsClaim: string | null; groupRoles: GroupRoles[]; defaultRole: Role },
): Role[] {
  const groups = settings.groupsClaim ? claims[settings.groupsClaim] : undefined;
  if (!Array.isArray(groups)) return [settings.defaultRole];
  const memberOf = new Set(groups.filter((group): group is string => typeof group === 'string'));
  const roles = new Set(settings.groupRoles.filter(({ group }) => memberOf.has(group)).flatMap(({ roles }) => roles));
  return roles.size > 0 ? [...roles] : [settings.defaultRole];
}
