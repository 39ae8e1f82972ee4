import { z } from 'zod';
import { tenantIdSchema } from '@pocdojo/shared';
import type { DojoRole } from '@pocdojo/shared/contract/dojo-roles';

/** A voice room is a dojo of a tenant: `<tid>/<dojo>`. */
export interface VoiceRoomId {
  tenantId: string;
  dojoId: string;
}

const dojoIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export function parseVoiceRoomId(text: string): VoiceRoomId | undefined {
  const [tenantId, dojoId, ...rest] = text.split('/');
  if (rest.length > 0 || !tenantIdSchema.safeParse(tenantId).success || !dojoIdSchema.safeParse(dojoId).success) {
    return undefined;
  }
  return { tenantId: tenantId as string, dojoId: dojoId as string };
}

export const formatVoiceRoomId = (room: VoiceRoomId): string => `${room.tenantId}/${room.dojoId}`;

export type FacilitatorCommand =
  | { action: 'mute' | 'unmute' | 'remove'; room: VoiceRoomId; by: string; userId: string }
  | { action: 'allowSpeaking'; room: VoiceRoomId; by: string; userId: string; allowed: boolean };

/**
 * Where the dojo's rules live. The dojo control document is the source of truth for who is muted; the voice
 * service asks it when a user joins and tells it about facilitator commands given over /media. Whoever
 * changes the document by other means calls the service's `setMuted`/`setGrantedRole`/`allowSpeaking`/
 * `removeFromVoice`.
 */
export interface DojoVoicePolicy {
  /** Whether the dojo records this user as muted; asked when the user joins voice. */
  isMuted(room: VoiceRoomId, userId: string): boolean | Promise<boolean>;
  /**
   * The role a facilitator gave this user in the dojo, which wins over the join token's as in the
   * collaboration tier; asked when the user joins voice. Whoever changes it later calls the service's
   * `setGrantedRole`.
   */
  grantedRole?(room: VoiceRoomId, userId: string): DojoRole | undefined | Promise<DojoRole | undefined>;
  /** Records a facilitator command before voice applies it; throwing a DomainError refuses it. */
  recordCommand(command: FacilitatorCommand): void | Promise<void>;
}

/** Without a control document, voice keeps the state itself for as long as the room lives. */
export const roomLocalPolicy: DojoVoicePolicy = {
  isMuted: () => false,
  recordCommand: () => undefined,
};
