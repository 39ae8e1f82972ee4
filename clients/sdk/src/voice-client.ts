/**
 * Voice in a dojo: the `/media` signaling protocol (shared/src/contract/voice-protocol.ts, version 1) driving
 * `mediasoup-client`. One WebSocket of JSON frames — requests `{v, id, method, data}`, responses
 * `{v, id, ok, data | error}`, events `{v, event, data}` — and two WebRTC transports: one sends this
 * user's microphone, one receives everyone else.
 *
 * Browsers only for media (WebRTC); the signaling half also runs in Node for tests.
 */
import { Device, type types } from 'mediasoup-client';
import { z } from 'zod';
import {
  consumerClosedSchema,
  encodeRequest,
  events,
  iceRestartedSchema,
  joinedSchema,
  methods,
  mutedSchema,
  newConsumerSchema,
  peerLeftSchema,
  producedSchema,
  redirectSchema,
  serverFrameSchema,
  speakingSchema,
  transportCreatedSchema,
  voicePeerSchema,
  type EventName,
  type Method,
  type RequestData,
  type ServerFrame,
  type VoicePeerInfo,
} from '@pocdojo/shared/contract/voice-protocol';

/** The contract checks mediasoup's objects are objects; mediasoup-client validates them in depth. */
const mediasoupObject = <T>() => z.custom<T>((value) => typeof value === 'object' && value !== null);

const joinedResponse = joinedSchema.extend({ routerRtpCapabilities: mediasoupObject<types.RtpCapabilities>() });

/** Redirects a join follows before giving up: one is the rule, more means the room is moving right now. */
const maxRedirects = 3;

const transportResponse = transportCreatedSchema.extend({
  iceParameters: mediasoupObject<types.IceParameters>(),
  iceCandidates: z.array(mediasoupObject<types.IceCandidate>()),
  dtlsParameters: mediasoupObject<types.DtlsParameters>(),
  iceServers: z.array(mediasoupObject<RTCIceServer>()).optional(),
});

const iceRestartResponse = iceRestartedSchema.extend({ iceParameters: mediasoupObject<types.IceParameters>() });

const newConsumerEvent = newConsumerSchema.extend({ rtpParameters: mediasoupObject<types.RtpParameters>() });

export interface VoiceError {
  code: string;
  message: string;
}
export type VoiceResult<T> = { ok: true; value: T } | { ok: false; error: VoiceError };

export interface VoiceState {
  /** A facilitator muted this user: the server paused the producer and refuses to resume it. */
  forceMuted: boolean;
  /** This user's own microphone switch. */
  selfMuted: boolean;
  canProduce: boolean;
  /** This client sends a microphone track. */
  sending: boolean;
  /** userIds speaking now (audio level observer). */
  speaking: string[];
  /** userId → the audio track received from them. */
  tracks: Map<string, MediaStreamTrack>;
  /** Everyone else in the room by peer id, listeners included (a person in two tabs is two peers). */
  peers: Map<string, VoicePeerInfo>;
  closed: VoiceError | undefined;
}

export interface VoiceJoinOptions {
  /** e.g. `ws://127.0.0.1:8080/media`. */
  url: string;
  /** The dojo join token (`POST /api/v1/dojos/:id/join`). */
  token: string;
  tenantId: string;
  dojoId: string;
  /** The microphone track to send; omitted for listeners. */
  microphone?: MediaStreamTrack;
  /**
   * Join with the microphone switched off, as someone who had muted before a reload: the server holds
   * the producer paused from its creation, so not one packet reaches the others.
   */
  muted?: boolean;
  WebSocketPolyfill?: typeof WebSocket;
}

export class VoiceClient {
  readonly state: VoiceState = {
    forceMuted: false,
    selfMuted: false,
    canProduce: false,
    sending: false,
    speaking: [],
    tracks: new Map(),
    peers: new Map(),
    closed: undefined,
  };
  private readonly listeners = new Set<(state: VoiceState) => void>();
  private readonly pending = new Map<number, (result: VoiceResult<unknown>) => void>();
  private readonly consumers = new Map<string, { consumer: types.Consumer; userId: string }>();
  private nextId = 0;
  private device: Device | undefined;
  private receiveTransport: types.Transport | undefined;
  private sendTransport: types.Transport | undefined;
  private producer: types.Producer | undefined;
  private readonly ready: Promise<void>;

  private constructor(private readonly socket: WebSocket) {
    this.ready = new Promise((resolve, reject) => {
      socket.addEventListener('open', () => resolve());
      socket.addEventListener('error', () => reject(new Error('voice signaling connection failed')));
    });
    socket.addEventListener('message', (event: MessageEvent) => this.receive(String(event.data)));
    socket.addEventListener('close', (event: CloseEvent) => {
      for (const resolve of this.pending.values())
        resolve({ ok: false, error: { code: 'unavailable', message: 'voice connection closed' } });
      this.pending.clear();
      this.state.closed ??= {
        code: event.code === 4403 ? 'forbidden' : 'unavailable',
        message: event.reason || 'voice connection closed',
      };
      this.changed();
    });
  }

  /**
   * Connects, joins the dojo's room, starts receiving everyone and (when allowed) sends `microphone`.
   * When another media process hosts the room, follows the server's redirect there.
   */
  static async join(options: VoiceJoinOptions, redirects = 0): Promise<VoiceResult<VoiceClient>> {
    const Socket = options.WebSocketPolyfill ?? WebSocket;
    const client = new VoiceClient(new Socket(options.url));
    const failure = (error: VoiceError): VoiceResult<VoiceClient> => {
      client.close();
      return { ok: false, error };
    };
    try {
      await client.ready;
    } catch (error) {
      return failure({ code: 'unavailable', message: error instanceof Error ? error.message : 'voice unavailable' });
    }
    const joined = await client.request(
      methods.join,
      { token: options.token, room: `${options.tenantId}/${options.dojoId}` },
      z.union([redirectSchema, joinedResponse]),
    );
    if (!joined.ok) return failure(joined.error);
    if ('redirect' in joined.value) {
      client.close();
      if (redirects >= maxRedirects)
        return { ok: false, error: { code: 'unavailable', message: 'the voice room is moving; try again' } };
      return VoiceClient.join({ ...options, url: joined.value.redirect }, redirects + 1);
    }
    client.state.canProduce = joined.value.canProduce;
    client.state.forceMuted = joined.value.muted;
    for (const peer of joined.value.peers) client.state.peers.set(peer.peerId, peer);
    const device = new Device();
    await device.load({ routerRtpCapabilities: joined.value.routerRtpCapabilities });
    client.device = device;
    const receiving = await client.openTransport('recv');
    if (!receiving.ok) return failure(receiving.error);
    client.receiveTransport = receiving.value;
    // A loaded device lists the codecs it shares with the room; none means it can receive nobody.
    const { codecs } = device.rtpCapabilities;
    if (!codecs) return failure({ code: 'unavailable', message: 'this browser shares no audio codec with the room' });
    const rtpCapabilities = { ...device.rtpCapabilities, codecs };
    const consuming = await client.request(methods.startConsuming, { rtpCapabilities }, z.unknown());
    if (!consuming.ok) return failure(consuming.error);
    if (options.microphone && joined.value.canProduce) {
      if (options.muted) {
        const paused = await client.request(methods.pauseProducer, {}, z.unknown());
        if (!paused.ok) return failure(paused.error);
      }
      const sending = await client.startSending(options.microphone);
      if (!sending.ok) return failure(sending.error);
      if (options.muted) {
        client.producer?.pause();
        client.state.selfMuted = true;
      }
    }
    client.changed();
    return { ok: true, value: client };
  }

  onChange(listener: (state: VoiceState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Self-mute: pauses the producer on the server too, so no packets flow while muted. */
  async setMuted(muted: boolean): Promise<VoiceResult<unknown>> {
    if (!this.producer) return { ok: false, error: { code: 'invalid', message: 'not sending audio' } };
    const result = await this.request(muted ? methods.pauseProducer : methods.resumeProducer, {}, z.unknown());
    if (!result.ok) return result;
    if (muted) this.producer.pause();
    else this.producer.resume();
    this.state.selfMuted = muted;
    this.changed();
    return result;
  }

  /** Bytes received so far from each person: growing numbers mean their audio reaches us. */
  async receivedBytes(): Promise<Map<string, number>> {
    const totals = new Map<string, number>();
    for (const { consumer, userId } of this.consumers.values()) {
      const report = await consumer.getStats();
      report.forEach((entry: { type?: string; bytesReceived?: number }) => {
        if (entry.type === 'inbound-rtp') totals.set(userId, (totals.get(userId) ?? 0) + (entry.bytesReceived ?? 0));
      });
    }
    return totals;
  }

  /**
   * Starts sending `microphone`, for a listener a facilitator let speak (`canProduce` turned true). The
   * floor taken back stops it again (the server closes the producer).
   */
  async speak(microphone: MediaStreamTrack): Promise<VoiceResult<void>> {
    if (!this.state.canProduce) return { ok: false, error: { code: 'forbidden', message: 'you may not speak here' } };
    if (this.state.sending) return { ok: true, value: undefined };
    const sending = await this.startSending(microphone);
    this.changed();
    return sending;
  }

  /** Facilitator command: let an observer speak, or take the floor back. */
  allowSpeaking(userId: string, allowed: boolean): Promise<VoiceResult<unknown>> {
    return this.request(methods.allowSpeaking, { userId, allowed }, z.unknown());
  }

  /** Facilitator commands: force-mute, unmute, remove from voice. */
  moderate(
    method: typeof methods.mute | typeof methods.unmute | typeof methods.remove,
    userId: string,
  ): Promise<VoiceResult<unknown>> {
    return this.request(method, { userId }, z.unknown());
  }

  close(): void {
    this.producer?.close();
    this.sendTransport?.close();
    this.receiveTransport?.close();
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING)
      this.socket.close(1000, 'leave');
    this.listeners.clear();
  }

  /**
   * The server closed this user's producer (the floor was taken back): the microphone goes off here too.
   * The send transport stays, on both sides, for the next time the floor is given.
   */
  private stopSending(): void {
    this.producer?.close();
    this.producer = undefined;
    this.state.sending = false;
    this.state.selfMuted = false;
  }

  private async startSending(track: MediaStreamTrack): Promise<VoiceResult<void>> {
    if (!this.sendTransport) {
      const opened = await this.openTransport('send');
      if (!opened.ok) return opened;
      this.sendTransport = opened.value;
    }
    try {
      this.producer = await this.sendTransport.produce({ track, codecOptions: { opusDtx: true, opusFec: true } });
      this.state.sending = true;
    } catch (error) {
      return {
        ok: false,
        error: { code: 'unavailable', message: error instanceof Error ? error.message : 'cannot send audio' },
      };
    }
    return { ok: true, value: undefined };
  }

  private async openTransport(direction: 'send' | 'recv'): Promise<VoiceResult<types.Transport>> {
    const device = this.device;
    if (!device) return { ok: false, error: { code: 'invalid', message: 'not joined' } };
    const created = await this.request(methods.createTransport, { direction }, transportResponse);
    if (!created.ok) return created;
    const options = created.value;
    const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      void this.request(methods.connectTransport, { transportId: transport.id, dtlsParameters }, z.unknown()).then(
        (result) => (result.ok ? callback() : errback(new Error(result.error.message))),
      );
    });
    transport.on('produce', ({ rtpParameters }, callback, errback) => {
      void this.request(
        methods.produce,
        { transportId: transport.id, kind: 'audio', rtpParameters },
        producedSchema,
      ).then((result) =>
        result.ok ? callback({ id: result.value.producerId }) : errback(new Error(result.error.message)),
      );
    });
    transport.on('connectionstatechange', (state) => {
      // A network change breaks ICE: ask the server for fresh parameters and restart.
      if (state !== 'failed' && state !== 'disconnected') return;
      void this.request(methods.restartIce, { transportId: transport.id }, iceRestartResponse).then(async (result) => {
        if (result.ok) await transport.restartIce({ iceParameters: result.value.iceParameters });
      });
    });
    return { ok: true, value: transport };
  }

  private async consume(data: z.infer<typeof newConsumerEvent>): Promise<void> {
    const transport = this.receiveTransport;
    if (!transport) return;
    const consumer = await transport.consume({
      id: data.consumerId,
      producerId: data.producerId,
      kind: data.kind,
      rtpParameters: data.rtpParameters,
    });
    this.consumers.set(consumer.id, { consumer, userId: data.userId });
    this.state.tracks.set(data.userId, consumer.track);
    this.changed();
  }

  private receive(text: string): void {
    let frame: ServerFrame;
    try {
      frame = serverFrameSchema.parse(JSON.parse(text));
    } catch {
      return;
    }
    if ('event' in frame) return this.onEvent(frame.event, frame.data);
    if (frame.id === null) return;
    const resolve = this.pending.get(frame.id);
    this.pending.delete(frame.id);
    resolve?.(frame.ok ? { ok: true, value: frame.data } : { ok: false, error: frame.error });
  }

  private onEvent(name: EventName, data: unknown): void {
    if (name === events.newConsumer) {
      const parsed = newConsumerEvent.safeParse(data);
      if (parsed.success) void this.consume(parsed.data);
      return;
    }
    if (name === events.consumerClosed) {
      const parsed = consumerClosedSchema.safeParse(data);
      const entry = parsed.success ? this.consumers.get(parsed.data.consumerId) : undefined;
      if (!entry || !parsed.success) return;
      entry.consumer.close();
      this.consumers.delete(parsed.data.consumerId);
      // Someone who reloaded may be back with a new consumer before the old one closes: keep theirs.
      if (this.state.tracks.get(entry.userId) === entry.consumer.track) this.state.tracks.delete(entry.userId);
    } else if (name === events.speaking) {
      const parsed = speakingSchema.safeParse(data);
      if (parsed.success) this.state.speaking = parsed.data.speakers.map((speaker) => speaker.userId);
    } else if (name === events.silence) {
      this.state.speaking = [];
    } else if (name === events.peerJoined) {
      const parsed = voicePeerSchema.safeParse(data);
      if (!parsed.success) return;
      this.state.peers.set(parsed.data.peerId, parsed.data);
    } else if (name === events.peerLeft) {
      const parsed = peerLeftSchema.safeParse(data);
      if (!parsed.success) return;
      this.state.peers.delete(parsed.data.peerId);
    } else if (name === events.muted) {
      const parsed = mutedSchema.safeParse(data);
      if (!parsed.success) return;
      this.state.forceMuted = parsed.data.muted;
      this.state.canProduce = parsed.data.canProduce;
      if (!parsed.data.canProduce) this.stopSending();
    } else if (name === events.removed) {
      this.state.closed = { code: 'forbidden', message: 'a facilitator removed you from voice' };
    } else return;
    this.changed();
  }

  private request<M extends Method, T extends z.ZodType>(
    method: M,
    data: RequestData<M>,
    schema: T,
  ): Promise<VoiceResult<z.output<T>>> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.pending.set(id, (result) => {
        if (!result.ok) return resolve(result);
        const parsed = schema.safeParse(result.value);
        resolve(
          parsed.success
            ? { ok: true, value: parsed.data }
            : { ok: false, error: { code: 'unavailable', message: `unexpected ${method} response` } },
        );
      });
      this.socket.send(encodeRequest(id, method, data));
    });
  }

  private changed(): void {
    this.listeners.forEach((listener) => listener(this.state));
  }
}
