/**
 * Who may do what in a dojo, read by the server that enforces it and by clients that show it (one rule,
 * not one per side).
 */
import type { ControlState, Participant } from './dojo-documents.ts';

export type DojoRole = Participant['role'];

/**
 * What a token says about its bearer in a dojo: join tokens carry exactly one role; a tenant token's roles
 * map as the API's join maps them (`tenantDojoRole`). `observing` is set on join tokens minted with
 * `as: observer`.
 */
export interface TokenRole {
  role: DojoRole;
  observing: boolean;
}

/** The dojo role of a token's roles (`roles` claim) and its `observing` flag. */
export function tokenRole(claims: { roles: readonly string[]; observing?: boolean }): TokenRole {
  if (claims.observing) return { role: 'observer', observing: true };
  return { role: tenantDojoRole(claims.roles), observing: false };
}

/**
 * The dojo role tenant roles give (a join token's one role gives itself): facilitators facilitate, people
 * who only observe observe, everyone else takes part. Administering the team is not facilitating: an
 * admin who is not a facilitator takes part, unless the dojo is theirs (the API's join).
 */
export function tenantDojoRole(roles: readonly string[]): DojoRole {
  if (roles.includes('facilitator')) return 'facilitator';
  return roles.every((role) => role === 'observer') ? 'observer' : 'participant';
}

/** The role a facilitator gave the person in this dojo, if one did (see `participantSchema`). */
export const grantedRole = (listed: Participant | undefined): DojoRole | undefined =>
  listed?.granted ? listed.role : undefined;

/**
 * The role a connection acts with. A token minted to observe stays an observer whatever the room lists
 * for the same person (their facilitator seat from another tab, say): they asked to watch. Otherwise a
 * facilitator token facilitates, and a facilitator's grant in `control` wins over the token's role. A
 * listing that is no grant only mirrors a token, so the token's own role counts: a person the tenant
 * demoted acts with the new role in a dojo they joined before.
 */
export function effectiveRole(state: Pick<ControlState, 'participants'>, userId: string, token: TokenRole): DojoRole {
  return roleWithGrant(grantedRole(state.participants[userId]), token);
}

/** The same rule from the role a facilitator granted the person (none when nobody did), for voice too. */
export function roleWithGrant(granted: DojoRole | undefined, token: TokenRole): DojoRole {
  if (token.observing) return 'observer';
  if (token.role === 'facilitator') return 'facilitator';
  return granted ?? token.role;
}
