import type { Hocuspocus } from '@hocuspocus/server';
import * as Y from 'yjs';
import { controlState, controlStateSchema } from '@pocdojo/shared/contract/dojo-documents';
import { grantedRole, type DojoRole } from '@pocdojo/shared/contract/dojo-roles';
import type { DojoVoicePolicy, FacilitatorCommand, VoiceRoomId, VoiceService } from '@pocdojo/media';
import type { Logger } from '@pocdojo/shared';

type DirectConnection = Awaited<ReturnType<Hocuspocus['openDirectConnection']>>;

interface Watched {
  connection: DirectConnection;
  muted: Set<string>;
  granted: Map<string, DojoRole>;
  stop(): void;
}

const mutedOf = (doc: Y.Doc): Set<string> => {
  const value = controlState(doc).get('muted');
  return new Set(Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : []);
};

/** The role a facilitator gave each person in the dojo (`participants`' grants), by user id. */
const grantsOf = (doc: Y.Doc): Map<string, DojoRole> => {
  const participants = controlStateSchema.shape.participants.parse(controlState(doc).get('participants'));
  return new Map(
    Object.entries(participants).flatMap(([userId, participant]) => {
      const granted = grantedRole(participant);
      return granted ? [[userId, granted] as const] : [];
    }),
  );
};

/**
 * Makes the dojo control document the one truth about who is muted and who has which role, for the dojo
 * and voice alike (a role a facilitator gave wins over a join token's in voice as it does in the editor):
 * - voice asks it when someone joins (`isMuted`);
 * - a facilitator's mute or unmute given over /media is written into it (`recordCommand`);
 * - voice asks it for the role a facilitator gave someone when they join (`grantedRole`);
 * - while a dojo has a voice room, its control document is watched, and every change of `muted` —
 *   from the dojo's own mute command, on any node — pauses or resumes the voice producers here, and every
 *   change of a facilitator's grant lets the person speak in voice or not.
 * A watch ends when the dojo's voice room has closed.
 */
export class DojoVoiceBridge implements DojoVoicePolicy {
  private voice: Pick<VoiceService, 'setMuted' | 'setGrantedRole' | 'room'> | undefined;
  private readonly watched = new Map<string, Promise<Watched>>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly hocuspocus: Hocuspocus,
    private readonly logger: Logger,
    sweepMs = 60_000,
  ) {
    this.sweep = setInterval(() => void this.releaseClosedRooms(), sweepMs);
    this.sweep.unref();
  }

  /** The voice service is created with this bridge as its policy, then handed back here. */
  connect(voice: Pick<VoiceService, 'setMuted' | 'setGrantedRole' | 'room'>): void {
    this.voice = voice;
  }

  async isMuted(room: VoiceRoomId, userId: string): Promise<boolean> {
    return (await this.watch(room)).muted.has(userId);
  }

  async grantedRole(room: VoiceRoomId, userId: string): Promise<DojoRole | undefined> {
    return (await this.watch(room)).granted.get(userId);
  }

  async recordCommand(command: FacilitatorCommand): Promise<void> {
    if (command.action !== 'mute' && command.action !== 'unmute') return;
    const { connection } = await this.watch(command.room);
    await connection.transact((doc) => {
      const muted = mutedOf(doc);
      if (command.action === 'mute') muted.add(command.userId);
      else muted.delete(command.userId);
      controlState(doc).set('muted', [...muted]);
    });
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
    const all = [...this.watched.keys()];
    await Promise.all(all.map((key) => this.release(key)));
  }

  private watch(room: VoiceRoomId): Promise<Watched> {
    const key = `${room.tenantId}/${room.dojoId}`;
    let watching = this.watched.get(key);
    if (!watching) {
      watching = this.open(room);
      this.watched.set(key, watching);
      watching.catch(() => this.watched.delete(key));
    }
    return watching;
  }

  private async open(room: VoiceRoomId): Promise<Watched> {
    const connection = await this.hocuspocus.openDirectConnection(`${room.tenantId}/dojo/${room.dojoId}/control`, {
      voiceBridge: true,
    });
    const doc = connection.document;
    if (!doc) throw new Error('control document did not open');
    const watched: Watched = { connection, muted: mutedOf(doc), granted: grantsOf(doc), stop: () => undefined };
    const onChange = (event: Y.YMapEvent<unknown>) => {
      if (event.keysChanged.has('muted')) {
        const now = mutedOf(doc);
        for (const userId of now) if (!watched.muted.has(userId)) void this.apply(room, userId, true);
        for (const userId of watched.muted) if (!now.has(userId)) void this.apply(room, userId, false);
        watched.muted = now;
      }
      if (event.keysChanged.has('participants')) {
        const now = grantsOf(doc);
        for (const userId of new Set([...now.keys(), ...watched.granted.keys()]))
          if (now.get(userId) !== watched.granted.get(userId))
            this.voice?.setGrantedRole(room, userId, now.get(userId));
        watched.granted = now;
      }
    };
    controlState(doc).observe(onChange);
    watched.stop = () => controlState(doc).unobserve(onChange);
    return watched;
  }

  private async apply(room: VoiceRoomId, userId: string, muted: boolean): Promise<void> {
    try {
      await this.voice?.setMuted(room, userId, muted);
    } catch (error) {
      this.logger.warn({ err: error, dojo: room.dojoId, userId, muted }, 'voice did not follow the dojo mute');
    }
  }

  private async releaseClosedRooms(): Promise<void> {
    for (const key of [...this.watched.keys()]) {
      const [tenantId, dojoId] = key.split('/') as [string, string];
      if (!this.voice?.room({ tenantId, dojoId })) await this.release(key);
    }
  }

  private async release(key: string): Promise<void> {
    const watching = this.watched.get(key);
    this.watched.delete(key);
    const watched = await watching?.catch(() => undefined);
    watched?.stop();
    await watched?.connection.disconnect();
  }
}
