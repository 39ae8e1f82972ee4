/**
 * Voice: join the dojo's audio room (mediasoup SFU at `/media`), mute yourself, see who is in the call
 * (listeners too), who speaks and whether a facilitator muted you; a facilitator mutes people and lets
 * observers speak, whose microphone then opens. Where the server has no voice worker, joining says so.
 * Someone who was in the call is back in it after a reload, muted as they were, and after losing the
 * connection (the media server restarted, or the room moved to another one) the panel joins again by
 * itself.
 */
import { parseDocumentName } from '@pocdojo/shared/tenant';
import type { VoiceClient, VoiceState } from '@pocdojo/sdk/voice-client';
import type { VoicePeerInfo } from '@pocdojo/shared/contract/voice-protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../session.ts';
import { nameOf } from './people.ts';
import { collaborationUrl, type DojoView } from './use-dojo.ts';
import type { DojoRole } from '@pocdojo/shared/contract/dojo-roles';
import { forgetVoice, rememberedVoice, rememberVoice } from './voice-rejoin.ts';

/**
 * Pause before joining again after the voice connection dropped: a second at first (a room needs a few
 * to move to another media server), one more each failed attempt, at most five.
 */
const rejoinPauseMs = (attempt: number) => 1000 * Math.min(attempt, 5);

export function VoicePanel({
  dojoId,
  view,
  role,
}: {
  dojoId: string;
  view: DojoView;
  /** The role this person acts with in the dojo (a facilitator's grant wins over the join's), as voice reads it. */
  role: DojoRole;
}) {
  const isFacilitator = role === 'facilitator';
  const [client, setClient] = useState<VoiceClient | undefined>();
  const [state, setState] = useState<VoiceState | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [joining, setJoining] = useState(false);
  // The browser refused to play the others without a click on the page (autoplay policy).
  const [soundBlocked, setSoundBlocked] = useState(false);
  const panel = useRef<HTMLElement>(null);
  // Whom this facilitator force-muted in voice (the server pauses their producer until unmuted).
  const [forceMuted, setForceMuted] = useState<Set<string>>(new Set());
  // The observers this facilitator let speak.
  const [speakers, setSpeakers] = useState<Set<string>>(new Set());

  async function letSpeak(userId: string, allowed: boolean) {
    if (!client) return;
    const answer = await client.allowSpeaking(userId, allowed);
    if (!answer.ok) return setError(answer.error.message);
    setSpeakers((current) => withOrWithout(current, userId, allowed));
  }

  async function openMicrophone(): Promise<MediaStreamTrack | undefined> {
    try {
      return (await navigator.mediaDevices.getUserMedia({ audio: true })).getAudioTracks()[0];
    } catch (failure) {
      setError(`No microphone (${failure instanceof Error ? failure.name : 'unknown error'}): you will listen only.`);
      return undefined;
    }
  }

  // Someone who joined without a microphone (an observer) and may now speak — a facilitator let them, or
  // the dojo gave them a role — opens it now, once per grant; a rejoin finds the grant still standing.
  const floorTaken = useRef(false);
  useEffect(() => {
    if (!state?.canProduce) {
      floorTaken.current = false;
      return;
    }
    if (!client || state.sending || floorTaken.current) return;
    floorTaken.current = true;
    void openMicrophone().then(async (microphone) => {
      if (!microphone) return;
      const speaking = await client.speak(microphone);
      if (speaking.ok) return;
      microphone.stop();
      setError(speaking.error.message);
    });
  }, [client, state?.canProduce]);

  async function moderate(userId: string, mute: boolean) {
    if (!client) return;
    const answer = await client.moderate(mute ? 'mute' : 'unmute', userId);
    if (!answer.ok) return setError(answer.error.message);
    setForceMuted((current) => withOrWithout(current, userId, mute));
  }

  useEffect(() => () => client?.close(), [client]);

  // Joining again after a dropped connection, until it works or the person leaves.
  const rejoinTimer = useRef<ReturnType<typeof setTimeout>>();
  const rejoinAttempts = useRef(0);
  const [reconnecting, setReconnecting] = useState(false);
  useEffect(() => () => clearTimeout(rejoinTimer.current), []);
  function rejoinSoon(muted: boolean) {
    clearTimeout(rejoinTimer.current);
    setReconnecting(true);
    rejoinAttempts.current += 1;
    rejoinTimer.current = setTimeout(() => void join(muted, true), rejoinPauseMs(rejoinAttempts.current));
  }

  // A connection lost without a facilitator's removal: the server went away or moved the room.
  useEffect(() => {
    if (state?.closed && state.closed.code !== 'forbidden') rejoinSoon(state.selfMuted);
  }, [state?.closed]);

  // Back in the call after a reload, with the microphone as it was.
  useEffect(() => {
    const remembered = rememberedVoice(dojoId);
    if (remembered) void join(remembered.muted);
  }, []);

  // Remembered while in the call, with the mute switch; a facilitator's removal forgets it.
  useEffect(() => {
    if (!state) return;
    if (state.closed?.code === 'forbidden') forgetVoice(dojoId);
    else if (!state.closed) rememberVoice(dojoId, state.selfMuted);
  }, [state?.selfMuted, state?.closed]);

  // Who we actually hear: their received byte count grew since the last look (every 2 s).
  const [receiving, setReceiving] = useState<Set<string>>(new Set());
  useEffect(() => {
    if (!client) return;
    let previous = new Map<string, number>();
    const timer = setInterval(() => {
      void client.receivedBytes().then((totals) => {
        setReceiving(
          new Set(
            [...totals].filter(([userId, bytes]) => bytes > (previous.get(userId) ?? 0)).map(([userId]) => userId),
          ),
        );
        previous = totals;
      });
    }, 2000);
    return () => clearInterval(timer);
  }, [client]);

  async function join(muted = false, rejoining = false) {
    setJoining(true);
    setError(undefined);
    const tenantId = parseDocumentName(view.join.documents.code)?.tenantId;
    const token = await api.joinDojo(dojoId);
    const microphone = role === 'observer' ? undefined : await openMicrophone();
    // A failed (re)join is not retried on the next reload, and leaves the microphone closed; a rejoin
    // after a dropped connection tries again, unless the server refuses this person.
    const fail = (message: string, code = 'unavailable') => {
      microphone?.stop();
      if (rejoining && code !== 'forbidden' && code !== 'unauthorized') return rejoinSoon(muted);
      setReconnecting(false);
      forgetVoice(dojoId);
      setJoining(false);
      setError(message);
    };
    if (!token.ok || !tenantId)
      return fail(
        token.ok ? 'This dojo has no voice room.' : token.error.message,
        token.ok ? 'forbidden' : token.error.code,
      );
    // mediasoup-client loads only when someone joins voice.
    const { VoiceClient } = await import('@pocdojo/sdk/voice-client');
    const joined = await VoiceClient.join({
      url: collaborationUrl('/media'),
      token: token.value.token,
      tenantId,
      dojoId,
      microphone,
      muted,
    });
    if (!joined.ok)
      return fail(
        joined.error.code === 'unavailable'
          ? `Voice is unavailable on this server (${joined.error.message}).`
          : joined.error.message,
        joined.error.code,
      );
    setJoining(false);
    setReconnecting(false);
    rejoinAttempts.current = 0;
    // Asked for at the join already, unless an observer: not asked again (a refused one stays refused).
    floorTaken.current = role !== 'observer';
    joined.value.onChange((next) => setState({ ...next, tracks: new Map(next.tracks), peers: new Map(next.peers) }));
    setState({ ...joined.value.state });
    setClient(joined.value);
  }

  function leave() {
    clearTimeout(rejoinTimer.current);
    rejoinAttempts.current = 0;
    setReconnecting(false);
    forgetVoice(dojoId);
    client?.close();
    setClient(undefined);
    setState(undefined);
  }

  if (!client || !state)
    return (
      <section aria-label="Voice">
        <p class="muted">Talk with the others while you code.</p>
        <button type="button" class="primary" onClick={() => void join(false)} disabled={joining}>
          {joining ? 'Connecting…' : 'Join voice'}
        </button>
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
      </section>
    );

  function playSound() {
    setSoundBlocked(false);
    panel.current?.querySelectorAll('audio').forEach((audio) => void audio.play().catch(() => setSoundBlocked(true)));
  }

  return (
    <section aria-label="Voice" ref={panel}>
      {soundBlocked && (
        <p class="notice" role="status">
          Your browser waits for a click before playing the others.{' '}
          <button type="button" class="small" onClick={playSound}>
            Turn on sound
          </button>
        </p>
      )}
      {state.closed &&
        (reconnecting ? (
          <p class="notice" role="status">
            Voice connection lost: reconnecting…
          </p>
        ) : (
          <p class="field-error" role="alert">
            {state.closed.message}
          </p>
        ))}
      {state.forceMuted && (
        <p class="notice" role="status">
          A facilitator muted you.
        </p>
      )}
      <div class="button-row">
        {state.sending && (
          <button
            type="button"
            aria-pressed={state.selfMuted}
            disabled={state.forceMuted}
            onClick={() => void client.setMuted(!state.selfMuted)}
          >
            {state.selfMuted ? 'Unmute' : 'Mute'}
          </button>
        )}
        <button type="button" onClick={leave}>
          Leave voice
        </button>
      </div>
      {!state.canProduce && <p class="muted">You are listening only.</p>}
      {state.canProduce && role === 'observer' && (
        <p class="notice" role="status">
          A facilitator let you speak.
        </p>
      )}
      <ul class="people">
        {peopleInCall(state).map(({ userId, role }) => (
          <li class={state.speaking.includes(userId) ? 'speaking' : undefined}>
            <span>
              <span class="dot" aria-hidden="true" /> {nameOf(view, userId)}
              {state.speaking.includes(userId) && <span class="visually-hidden"> (speaking)</span>}
              {receiving.has(userId) && <span class="badge">receiving audio</span>}
              {!state.tracks.has(userId) && <span class="badge">listening</span>}
            </span>
            {isFacilitator && state.tracks.has(userId) && (
              <button type="button" class="small" onClick={() => void moderate(userId, !forceMuted.has(userId))}>
                {forceMuted.has(userId) ? `Unmute ${nameOf(view, userId)}` : `Mute ${nameOf(view, userId)}`}
              </button>
            )}
            {isFacilitator && role === 'observer' && (
              <button type="button" class="small" onClick={() => void letSpeak(userId, !speakers.has(userId))}>
                {speakers.has(userId) ? `Stop ${nameOf(view, userId)} speaking` : `Let ${nameOf(view, userId)} speak`}
              </button>
            )}
            <RemoteAudio track={state.tracks.get(userId)} onBlocked={() => setSoundBlocked(true)} />
          </li>
        ))}
      </ul>
      {error && <p class="muted">{error}</p>}
    </section>
  );
}

/** A copy of `set` that holds `userId` or not. */
function withOrWithout(set: Set<string>, userId: string, holds: boolean): Set<string> {
  const next = new Set(set);
  if (holds) next.add(userId);
  else next.delete(userId);
  return next;
}

/**
 * Everyone else in the call, once each (a person in two tabs is two peers), in the order they joined;
 * someone whose audio arrives before their arrival was announced is listed too.
 */
function peopleInCall(state: VoiceState): { userId: string; role: VoicePeerInfo['role'] | undefined }[] {
  const people = new Map<string, VoicePeerInfo['role'] | undefined>();
  for (const peer of state.peers.values()) if (!people.has(peer.userId)) people.set(peer.userId, peer.role);
  for (const userId of state.tracks.keys()) if (!people.has(userId)) people.set(userId, undefined);
  return [...people].map(([userId, role]) => ({ userId, role }));
}

function RemoteAudio({ track, onBlocked }: { track: MediaStreamTrack | undefined; onBlocked: () => void }) {
  const element = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const audio = element.current;
    if (!audio || !track) return;
    audio.srcObject = new MediaStream([track]);
    // Rejoined by a reload, before any click: the browser may refuse to play sound until one.
    audio.play().catch(onBlocked);
  }, [track]);
  return <audio ref={element} autoPlay />;
}
