/**
 * A real WebRTC participant for the tests: werift (a WebRTC stack in TypeScript) does ICE, DTLS and SRTP
 * against the mediasoup worker, and this client speaks the /media protocol the way mediasoup-client does,
 * building the SDP from the server's transport and consumer parameters.
 *
 * It sends Opus RTP packets (a fixed payload: the SFU forwards, it does not decode) with the ssrc-audio-level
 * header extension, and counts the RTP packets it receives from each other participant.
 */
import { randomBytes } from 'node:crypto';
import {
  MediaStreamTrack,
  RTCDtlsTransport,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RTCRtpHeaderExtensionParameters,
  RtpHeader,
  RtpPacket,
  type DtlsKeys,
} from 'werift';
import WebSocket from 'ws';
import { z } from 'zod';
import {
  decodeServerFrame,
  encodeRequest,
  events,
  methods,
  type EventName,
  type Method,
  type RequestData,
} from '@pocdojo/shared/contract/voice-protocol';

const midUri = 'urn:ietf:params:rtp-hdrext:sdes:mid';
const audioLevelUri = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
const opusPayloadType = 100;

/** What this client can receive, in mediasoup's RtpCapabilities shape. */
const clientRtpCapabilities = {
  codecs: [
    {
      kind: 'audio',
      mimeType: 'audio/opus',
      clockRate: 48000,
      channels: 2,
      preferredPayloadType: opusPayloadType,
      parameters: {},
      rtcpFeedback: [],
    },
  ],
  headerExtensions: [
    { kind: 'audio', uri: midUri, preferredId: 1, preferredEncrypt: false, direction: 'sendrecv' },
    { kind: 'audio', uri: audioLevelUri, preferredId: 10, preferredEncrypt: false, direction: 'sendrecv' },
  ],
};

const transportSchema = z.object({
  id: z.string(),
  iceParameters: z.object({ usernameFragment: z.string(), password: z.string() }),
  iceCandidates: z.array(
    z.object({ foundation: z.string(), priority: z.number(), ip: z.string(), protocol: z.string(), port: z.number() }),
  ),
  dtlsParameters: z.object({ fingerprints: z.array(z.object({ algorithm: z.string(), value: z.string() })) }),
  iceServers: z
    .array(
      z.object({
        urls: z.union([z.string(), z.array(z.string())]),
        username: z.string().optional(),
        credential: z.string().optional(),
      }),
    )
    .default([]),
});
type TransportOptions = z.infer<typeof transportSchema>;

const newConsumerSchema = z.object({
  consumerId: z.string(),
  producerId: z.string(),
  peerId: z.string(),
  userId: z.string(),
  rtpParameters: z.object({
    mid: z.string(),
    codecs: z.array(z.object({ payloadType: z.number(), clockRate: z.number(), channels: z.number().optional() })),
    headerExtensions: z.array(z.object({ uri: z.string(), id: z.number() })).default([]),
    encodings: z.array(z.object({ ssrc: z.number() })),
    rtcp: z.object({ cname: z.string().optional() }).optional(),
  }),
});
type NewConsumer = z.infer<typeof newConsumerSchema>;

export const joinResultSchema = z.object({
  peerId: z.string(),
  canProduce: z.boolean(),
  muted: z.boolean(),
  peers: z.array(z.object({ peerId: z.string(), userId: z.string() })),
});

/** A refused request, with the protocol's error code. */
export class VoiceRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = `VoiceRequestError(${code})`;
  }
}

interface SendSide {
  transport: TransportOptions;
  track: MediaStreamTrack;
  mid: string;
  ssrc: number;
  cname: string;
}

interface ReceivedEvent {
  event: EventName;
  data: unknown;
}

export class VoiceTestClient {
  readonly events: ReceivedEvent[] = [];
  /** RTP packets received, by the sending user's id. */
  readonly packetsFrom = new Map<string, number>();
  private readonly pending = new Map<number, { resolve: (data: unknown) => void; reject: (error: Error) => void }>();
  private readonly eventWaiters = new Set<() => void>();
  private nextId = 1;
  private sendPc: RTCPeerConnection | undefined;
  private sending: Promise<SendSide> | undefined;
  private recvPc: RTCPeerConnection | undefined;
  private recvTransport: TransportOptions | undefined;
  private readonly consumers: NewConsumer[] = [];
  private readonly userBySsrc = new Map<number, string>();
  private negotiation: Promise<void> = Promise.resolve();
  private sendTimer: NodeJS.Timeout | undefined;
  closeCode: number | undefined;
  /** Set when applying the server's consumers failed; every wait then fails with it. */
  private failure: Error | undefined;

  private constructor(
    private readonly socket: WebSocket,
    private readonly stunUrl: string,
    private readonly relayOnly: boolean,
  ) {
    socket.on('message', (raw) => {
      const frame = decodeServerFrame(String(raw));
      if ('event' in frame) {
        this.events.push({ event: frame.event, data: frame.data });
        if (frame.event === events.newConsumer) this.addConsumer(newConsumerSchema.parse(frame.data));
        for (const waiter of this.eventWaiters) waiter();
        return;
      }
      const waiting = frame.id === null ? undefined : this.pending.get(frame.id);
      if (!waiting || frame.id === null) return;
      this.pending.delete(frame.id);
      if (frame.ok) waiting.resolve(frame.data);
      else waiting.reject(new VoiceRequestError(frame.error.code, frame.error.message));
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      for (const waiter of this.eventWaiters) waiter();
    });
  }

  /**
   * `stunUrl`: a local STUN responder (see local-stun-server.ts). `relayOnly`: ICE through the TURN server
   * the server hands out with each transport, and nothing else (iceTransportPolicy "relay").
   */
  static async connect(url: string, stunUrl: string, options: { relayOnly?: boolean } = {}): Promise<VoiceTestClient> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new VoiceTestClient(socket, stunUrl, options.relayOnly ?? false);
  }

  request<M extends Method>(method: M, data: RequestData<M>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(encodeRequest(id, method, data));
    });
  }

  async join(token: string, room: string): Promise<z.infer<typeof joinResultSchema>> {
    return joinResultSchema.parse(await this.request(methods.join, { token, room }));
  }

  /** Opens the receive side: every other participant's producer arrives as a consumer. */
  async startReceiving(): Promise<void> {
    this.recvTransport = transportSchema.parse(await this.request(methods.createTransport, { direction: 'recv' }));
    this.recvPc = await this.newPeerConnection(this.recvTransport);
    // Tracks appear while the remote offer is applied; packets are told apart by the consumer's SSRC.
    this.recvPc.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => {
        const userId = this.userBySsrc.get(rtp.header.ssrc);
        if (userId) this.packetsFrom.set(userId, (this.packetsFrom.get(userId) ?? 0) + 1);
      });
    });
    await this.request(methods.startConsuming, { rtpCapabilities: clientRtpCapabilities });
  }

  /** Opens the microphone and speaks: Opus packets every `intervalMs`. */
  async startSending(intervalMs = 20): Promise<string> {
    const producerId = await this.openMicrophone();
    await this.speak(intervalMs);
    return producerId;
  }

  /** A send transport (once) and a producer, without packets yet. */
  async openMicrophone(): Promise<string> {
    this.sending ??= this.openSendTransport();
    const { transport, mid, ssrc, cname } = await this.sending;
    const { producerId } = z.object({ producerId: z.string() }).parse(
      await this.request(methods.produce, {
        transportId: transport.id,
        kind: 'audio',
        rtpParameters: {
          mid,
          codecs: [
            {
              mimeType: 'audio/opus',
              payloadType: opusPayloadType,
              clockRate: 48000,
              channels: 2,
              parameters: { useinbandfec: 1, usedtx: 1 },
            },
          ],
          headerExtensions: [
            { uri: midUri, id: 1 },
            { uri: audioLevelUri, id: 10 },
          ],
          encodings: [{ ssrc }],
          rtcp: { cname, reducedSize: true },
        },
      }),
    );
    return producerId;
  }

  /** Sends an Opus packet every `intervalMs` on the open microphone. */
  async speak(intervalMs = 20): Promise<void> {
    if (!this.sending) throw new Error('open the microphone first');
    const { track } = await this.sending;
    clearInterval(this.sendTimer);
    let sequenceNumber = 0;
    let timestamp = 0;
    const samplesPerPacket = (48000 * intervalMs) / 1000;
    this.sendTimer = setInterval(() => {
      // TOC 0xFC: Opus CELT fullband, 20 ms, mono, one frame; then an opaque frame body.
      const payload = Buffer.concat([Buffer.from([0xfc]), randomBytes(60)]);
      const header = new RtpHeader({
        payloadType: opusPayloadType,
        sequenceNumber: (sequenceNumber = (sequenceNumber + 1) & 0xffff),
        timestamp: (timestamp = (timestamp + samplesPerPacket) >>> 0),
        marker: false,
        extension: true,
        // Voice activity bit set, level −20 dBov: loud enough for the room's audio level observer.
        extensions: [{ id: 10, payload: Buffer.from([0x80 | 20]) }],
      });
      track.writeRtp(new RtpPacket(header, payload));
    }, intervalMs);
  }

  private async openSendTransport(): Promise<SendSide> {
    const transport = transportSchema.parse(await this.request(methods.createTransport, { direction: 'send' }));
    const pc = await this.newPeerConnection(transport);
    this.sendPc = pc;
    const track = new MediaStreamTrack({ kind: 'audio' });
    const transceiver = pc.addTransceiver(track, { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const local = pc.localDescription?.sdp ?? '';
    const mid = transceiver.mid ?? '0';
    await pc.setRemoteDescription({
      type: 'answer',
      sdp: remoteSdp(transport, 'passive', [{ mid, direction: 'recvonly' }]),
    });
    await this.request(methods.connectTransport, {
      transportId: transport.id,
      dtlsParameters: { role: 'client', fingerprints: [localFingerprint(local)] },
    });
    const cname = /a=ssrc:\d+ cname:(\S+)/.exec(local)?.[1] ?? 'werift';
    return { transport, track, mid, ssrc: transceiver.sender.ssrc, cname };
  }

  private newPeerConnection(transport: TransportOptions): Promise<RTCPeerConnection> {
    if (!this.relayOnly) return newPeerConnection([{ urls: this.stunUrl }], 'all');
    // werift takes one `turn:host:port` string per server, without the `?transport=` query browsers read.
    const turn = transport.iceServers
      .flatMap((server) =>
        (Array.isArray(server.urls) ? server.urls : [server.urls]).map((url) => ({ ...server, url })),
      )
      .find((server) => server.url.startsWith('turn:'));
    if (!turn) throw new Error('the server handed out no TURN server');
    return newPeerConnection(
      [{ urls: turn.url.replace(/\?.*$/, ''), username: turn.username, credential: turn.credential }],
      'relay',
    );
  }

  packetsFromUser(userId: string): number {
    return this.packetsFrom.get(userId) ?? 0;
  }

  /** Resolves when an event satisfying `match` has arrived (or already had). */
  async waitForEvent(
    event: EventName,
    match: (data: unknown) => boolean = () => true,
    timeoutMs = 15_000,
  ): Promise<unknown> {
    const found = () => this.events.find((e) => e.event === event && match(e.data));
    return this.waitUntil(() => found()?.data, `event ${event}`, timeoutMs);
  }

  /** Polls `probe` on every event and every 50 ms until it returns a value. */
  waitUntil<T>(probe: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        if (this.failure) {
          cleanup();
          reject(this.failure);
          return;
        }
        const value = probe();
        if (value === undefined || value === false) return;
        cleanup();
        resolve(value);
      };
      const timer = setInterval(check, 50);
      const deadline = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearInterval(timer);
        clearTimeout(deadline);
        this.eventWaiters.delete(check);
      };
      this.eventWaiters.add(check);
      check();
    });
  }

  waitForClose(): Promise<number> {
    return this.waitUntil(() => this.closeCode, 'socket close');
  }

  async close(): Promise<void> {
    clearInterval(this.sendTimer);
    this.socket.close();
    await Promise.all([this.sendPc?.close(), this.recvPc?.close()]);
  }

  private addConsumer(consumer: NewConsumer): void {
    this.consumers.push(consumer);
    const ssrc = consumer.rtpParameters.encodings[0]?.ssrc;
    if (ssrc !== undefined) this.userBySsrc.set(ssrc, consumer.userId);
    // Consumers arriving together are negotiated together: one new remote offer covers all of them.
    this.negotiation = this.negotiation
      .then(() => this.renegotiate())
      .catch((error: unknown) => {
        this.events.push({ event: events.removed, data: { reason: `negotiation failed: ${String(error)}` } });
      });
  }

  private async renegotiate(): Promise<void> {
    const pc = this.recvPc;
    const transport = this.recvTransport;
    if (!pc || !transport) throw new Error('consumer before the receive transport');
    const negotiated = pc.getTransceivers().length;
    if (negotiated === this.consumers.length) return;
    const first = negotiated === 0;
    await pc.setRemoteDescription({
      type: 'offer',
      sdp: remoteSdp(
        transport,
        'actpass',
        this.consumers.map((consumer) => ({ mid: consumer.rtpParameters.mid, direction: 'sendonly', consumer })),
      ),
    });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (first) {
      const sdp = pc.localDescription?.sdp ?? '';
      const role = /a=setup:passive/.test(sdp) ? 'server' : 'client';
      await this.request(methods.connectTransport, {
        transportId: transport.id,
        dtlsParameters: { role, fingerprints: [localFingerprint(sdp)] },
      });
    }
  }
}

/**
 * One DTLS certificate for every test peer connection: werift otherwise generates a key pair per connection,
 * which dominates the CPU of a 40-peer test. Each connection still runs its own DTLS handshake.
 */
let sharedCertificate: Promise<DtlsKeys> | undefined;
function dtlsKeys(): Promise<DtlsKeys> {
  sharedCertificate ??= RTCDtlsTransport.SetupCertificate().then((certificate) => ({
    certPem: certificate.certPem,
    keyPem: certificate.privateKey,
    signatureHash: certificate.signatureHash,
  }));
  return sharedCertificate;
}

async function newPeerConnection(
  iceServers: { urls: string; username?: string; credential?: string }[],
  iceTransportPolicy: 'all' | 'relay',
): Promise<RTCPeerConnection> {
  const pc = new RTCPeerConnection({
    dtls: { keys: await dtlsKeys() },
    iceServers,
    iceTransportPolicy,
    codecs: {
      audio: [
        new RTCRtpCodecParameters({
          mimeType: 'audio/opus',
          clockRate: 48000,
          channels: 2,
          payloadType: opusPayloadType,
        }),
      ],
    },
    headerExtensions: {
      audio: [
        new RTCRtpHeaderExtensionParameters({ id: 1, uri: midUri }),
        new RTCRtpHeaderExtensionParameters({ id: 10, uri: audioLevelUri }),
      ],
    },
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
  });
  return pc;
}

function localFingerprint(sdp: string): { algorithm: 'sha-256'; value: string } {
  const value = /a=fingerprint:sha-256 (\S+)/.exec(sdp)?.[1];
  if (!value) throw new Error('no sha-256 fingerprint in the local description');
  return { algorithm: 'sha-256', value };
}

interface MediaSection {
  mid: string;
  direction: 'sendonly' | 'recvonly';
  consumer?: NewConsumer;
}

/** The SDP mediasoup-client would build for the server side of a transport (ICE-lite, bundled). */
function remoteSdp(transport: TransportOptions, setup: 'actpass' | 'passive', sections: MediaSection[]): string {
  const fingerprint = transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256');
  if (!fingerprint) throw new Error('server offered no sha-256 fingerprint');
  const lines = [
    'v=0',
    'o=mediasoup 10000 2 IN IP4 0.0.0.0',
    's=-',
    't=0 0',
    'a=ice-lite',
    `a=group:BUNDLE ${sections.map((s) => s.mid).join(' ')}`,
    'a=msid-semantic: WMS *',
  ];
  for (const section of sections) {
    const codec = section.consumer?.rtpParameters.codecs[0];
    const payloadType = codec?.payloadType ?? opusPayloadType;
    const extensions = section.consumer?.rtpParameters.headerExtensions ?? [
      { uri: midUri, id: 1 },
      { uri: audioLevelUri, id: 10 },
    ];
    lines.push(
      `m=audio 7 UDP/TLS/RTP/SAVPF ${payloadType}`,
      'c=IN IP4 127.0.0.1',
      `a=mid:${section.mid}`,
      `a=${section.direction}`,
      `a=ice-ufrag:${transport.iceParameters.usernameFragment}`,
      `a=ice-pwd:${transport.iceParameters.password}`,
      `a=fingerprint:sha-256 ${fingerprint.value}`,
      `a=setup:${setup}`,
      'a=rtcp-mux',
      'a=rtcp-rsize',
      `a=rtpmap:${payloadType} opus/48000/2`,
      `a=fmtp:${payloadType} minptime=10;useinbandfec=1;usedtx=1`,
      ...extensions.map((e) => `a=extmap:${e.id} ${e.uri}`),
    );
    for (const candidate of transport.iceCandidates.filter((c) => c.protocol === 'udp')) {
      lines.push(
        `a=candidate:${candidate.foundation} 1 udp ${candidate.priority} ${candidate.ip} ${candidate.port} typ host`,
      );
    }
    lines.push('a=end-of-candidates');
    const consumer = section.consumer;
    if (consumer) {
      const ssrc = consumer.rtpParameters.encodings[0]?.ssrc;
      lines.push(
        `a=msid:${consumer.peerId} ${consumer.consumerId}`,
        `a=ssrc:${ssrc} cname:${consumer.rtpParameters.rtcp?.cname ?? consumer.peerId}`,
        `a=ssrc:${ssrc} msid:${consumer.peerId} ${consumer.consumerId}`,
      );
    }
  }
  return lines.join('\r\n') + '\r\n';
}
