import { colorFor, lightColor } from '@pocdojo/shared/contract/presence';
import type { DojoRole } from '@pocdojo/shared/contract/dojo-roles';

export interface Identity {
  userId: string;
  name: string;
  role: DojoRole;
}

/**
 * Overwrites the identity fields of presence states a client sends ({userId, name, color, role} and the
 * `user` block y-codemirror.next draws names from) with what the server knows from the token, so a
 * client can move its own cursor but never appear as someone else. Removals (null states) pass.
 */
export function stampPresence(states: Map<number, Record<string, unknown> | null>, identity: Identity): void {
  const color = colorFor(identity.userId);
  for (const [clientId, state] of states) {
    if (state === null || typeof state !== 'object') continue;
    states.set(clientId, {
      ...state,
      userId: identity.userId,
      name: identity.name,
      role: identity.role,
      color,
      user: { name: identity.name, color, colorLight: lightColor(color) },
    });
  }
}
