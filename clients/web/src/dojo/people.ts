import type { DojoView } from './use-dojo.ts';

/** A user's display name from the control document, else from presence; never their id. */
export function nameOf(view: DojoView, userId: string | null): string {
  if (!userId) return '—';
  return (
    view.control.participants[userId]?.name ??
    view.peers.find((peer) => peer.userId === userId)?.name ??
    'someone who left'
  );
}

export const formatClock = (ms: number): string => {
  const seconds = Math.ceil(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
};
