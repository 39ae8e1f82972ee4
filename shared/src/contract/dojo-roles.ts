/**
 * Who may do what in a dojo, read by the server that enforces it and by clients that show it (one rule,
 * not one per side).
 */
import type { ControlState, Participant } from './dojo-documents.ts';

export type DojoRole = Participant['role'];

/**
 * What a token says about its bearer in a dojo: join tokens carry exactly one role; tenant tokens map
 * admin to facilitator. `observing` is set on join tokens minted with `as: observer`.
 */
export interface TokenRole {
  role: DojoRole;
  observing: boolean;
}

/** The dojo role of a token's roles (`roles` claim) and its `observing` flag. */
export function tokenRole(claims: { roles: readonly string[]; observing?: boolean }): TokenRole {
  if (claims.observing) return { role: 'observer', observing: true };
  const { roles } = claims;
  if (roles.includes('facilitator') || roles.includes('admin')) return { role: 'facilitator', observing: false };
  return { role: roles.includes('participant') ? 'participant' : 'observer', observing: false };
}

/**
 * The role a connection acts with. A token minted to observe stays an observer whatever the room lists
 * for the same person (their facilitator seat from another tab, say): they asked to watch. Otherwise a
 * facilitator token facilitates, and a facilitator's grant in `control` wins over the token's role.
 */
export function effectiveRole(state: Pick<ControlState, 'participants'>, userId: string, token: TokenRole): DojoRole {
  if (token.observing) return 'observer';
  if (token.role === 'facilitator') return 'facilitator';
  return state.participants[userId]?.role ?? token.role;
}
