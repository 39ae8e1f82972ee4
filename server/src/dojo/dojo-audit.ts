import type { AuditRecord } from '@pocdojo/shared';
import type { ControlState } from '@pocdojo/shared/contract/dojo-documents';
import type { Effect } from './dojo-session.ts';

export type DojoAuditEntry = Pick<AuditRecord, 'action' | 'target' | 'details'>;

/**
 * What a transition of the dojo rules leaves in the tenant's audit trail: the dojo started (out of its
 * lobby) and ended, people removed or muted. Read from the states before and after and the effects, so
 * the rules themselves stay free of auditing.
 */
export function dojoAuditEntries(
  dojoId: string,
  base: ControlState,
  next: ControlState,
  effects: readonly Effect[],
): DojoAuditEntry[] {
  const dojo = { type: 'dojo' as const, id: dojoId };
  const entries: DojoAuditEntry[] = [];
  if (base.phase === 'lobby' && next.phase === 'running') {
    entries.push({ action: 'dojo_started', target: dojo, details: { format: next.format } });
  }
  for (const effect of effects) {
    if (effect.type === 'ended') entries.push({ action: 'dojo_ended', target: dojo, details: { turns: next.turn } });
    if (effect.type === 'remove') {
      entries.push({
        action: 'dojo_member_removed',
        target: { type: 'person', id: effect.userId },
        details: { dojoId },
      });
    }
  }
  for (const userId of next.muted) {
    if (!base.muted.includes(userId)) {
      entries.push({ action: 'dojo_member_muted', target: { type: 'person', id: userId }, details: { dojoId } });
    }
  }
  return entries;
}
