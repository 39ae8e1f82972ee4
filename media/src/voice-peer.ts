import { randomUUID } from 'node:crypto';
import type { DojoRole, TokenRole } from '@pocdojo/shared/contract/dojo-roles';
import type { types } from 'mediasoup';
import type { EventName } from '@pocdojo/shared/contract/voice-protocol';

/** Who a peer is in its dojo, from the join token. */
export interface PeerIdentity {
  userId: string;
  name: string | undefined;
  /** What the join token says (`tokenRole`). */
  token: TokenRole;
  /** The role the person acts with: the token's, or the one a facilitator gave them in the dojo (`roleWithGrant`). */
  role: DojoRole;
}

/** Facilitators lead voice as they lead the dojo; observers listen until allowed to speak (voice-room.ts). */
export const leadsDojo = (identity: PeerIdentity): boolean => identity.role === 'facilitator';

/** How a room reaches the client behind a peer (a signaling session, in production). */
export interface PeerConnection {
  send(event: EventName, data: unknown): void;
  /** Ends the client's session with a close code from the protocol. */
  disconnect(code: number, reason: string): void;
}

export type TransportDirection = 'send' | 'recv';

/**
 * One participant's presence in a voice room: its transports on the room router it was placed on, its
 * microphone producer, and one consumer per other participant's producer.
 */
export class VoicePeer {
  readonly id = randomUUID();
  readonly transports = new Map<string, types.WebRtcTransport>();
  readonly consumers = new Map<string, types.Consumer>();
  producer: types.Producer | undefined;
  /** Set once the client said what it can receive; from then on it gets a consumer for every producer. */
  rtpCapabilities: types.RtpCapabilities | undefined;
  /** The user's own mute, kept apart from a facilitator's so unmuting by one does not undo the other. */
  selfPaused = false;
  closed = false;

  constructor(
    readonly identity: PeerIdentity,
    readonly router: types.Router,
    readonly connection: PeerConnection,
  ) {}

  transport(direction: TransportDirection): types.WebRtcTransport | undefined {
    for (const transport of this.transports.values()) {
      if ((transport.appData as { direction: TransportDirection }).direction === direction) return transport;
    }
    return undefined;
  }

  describe(): { peerId: string; userId: string; name: string | undefined; role: DojoRole } {
    return { peerId: this.id, userId: this.identity.userId, name: this.identity.name, role: this.identity.role };
  }

  /** Closing the transports closes the producer and consumers with them; others' consumers follow. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
    this.consumers.clear();
    this.producer = undefined;
  }
}
