import { spawn } from 'node:child_process';
import type { ScenePlan } from './scene-plan.ts';

/**
 * The audio track, built in memory as 16-bit mono PCM and written as one WAV file that ffmpeg muxes
 * with the frames. Narration: each scene's sentence spoken by espeak-ng, placed at the scene's start
 * and cut (with a short fade) at its end, so the audio is exactly as long as the video. Without
 * narration: a quiet, slowly breathing two-note tone.
 */
export const SAMPLE_RATE = 22_050;

/** espeak-ng writes 22.05 kHz mono 16-bit WAV on stdout; the text goes in on stdin, never as an argument. */
export function speak(text: string, voice: string, signal?: AbortSignal): Promise<Int16Array> {
  return new Promise((resolve, reject) => {
    const child = spawn('espeak-ng', ['--stdout', '-v', voice, '-s', '160'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      signal,
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => reject(new Error(`espeak-ng could not run: ${error.message}`)));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`espeak-ng exited with ${code}: ${stderr.trim()}`));
      try {
        resolve(readWavSamples(Buffer.concat(chunks)));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    child.stdin.on('error', () => undefined); // a failed spawn reports through 'error'/'close'
    child.stdin.end(text);
  });
}

/** Reads the PCM samples of a 16-bit mono WAV at SAMPLE_RATE. Streamed WAVs carry a bogus data size, so the data runs to the end. */
export function readWavSamples(wav: Buffer): Int16Array {
  if (wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE')
    throw new Error('not a WAV file');
  let offset = 12;
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    if (id === 'fmt ') {
      const channels = wav.readUInt16LE(offset + 10);
      const rate = wav.readUInt32LE(offset + 12);
      const bits = wav.readUInt16LE(offset + 22);
      if (channels !== 1 || rate !== SAMPLE_RATE || bits !== 16)
        throw new Error(`unexpected WAV format ${channels}ch ${rate}Hz ${bits}bit`);
    }
    if (id === 'data') {
      const start = offset + 8;
      const end = Math.min(wav.length, start + size) & ~1;
      const samples = new Int16Array((end - start) / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = wav.readInt16LE(start + i * 2);
      return samples;
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error('WAV file without data');
}

export function encodeWav(samples: Int16Array): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples.length * 2, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples.length * 2, 40);
  return Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]);
}

const samplesForFrames = (frames: number, fps: number) => Math.round((frames * SAMPLE_RATE) / fps);

/** Copies a spoken clip into the track at the scene's start (after a short breath), fading it out if it must be cut. */
function placeClip(track: Int16Array, clip: Int16Array, start: number, end: number): void {
  const lead = Math.round(SAMPLE_RATE * 0.25);
  const fade = Math.round(SAMPLE_RATE * 0.08);
  const from = Math.min(start + lead, end);
  const length = Math.min(clip.length, end - from);
  for (let i = 0; i < length; i++) {
    const gain = length < clip.length ? Math.min(1, (length - i) / fade) : 1;
    track[from + i] = Math.round((clip[i] ?? 0) * gain);
  }
}

export function toneTrack(totalSamples: number): Int16Array {
  const track = new Int16Array(totalSamples);
  const fade = SAMPLE_RATE;
  for (let i = 0; i < totalSamples; i++) {
    const t = i / SAMPLE_RATE;
    const breathe = 0.75 + 0.25 * Math.sin(2 * Math.PI * 0.2 * t);
    const edge = Math.min(1, i / fade, (totalSamples - i) / fade);
    const value = (Math.sin(2 * Math.PI * 220 * t) + 0.6 * Math.sin(2 * Math.PI * 329.63 * t)) * 0.05 * breathe * edge;
    track[i] = Math.round(value * 32767);
  }
  return track;
}

export interface SoundtrackOptions {
  narration: boolean;
  voice: string;
  signal?: AbortSignal;
  /** Called with the share of scenes spoken so far (0..1). */
  onProgress?: (fraction: number) => void;
}

export async function buildSoundtrack(plan: ScenePlan, options: SoundtrackOptions): Promise<Buffer> {
  const totalSamples = samplesForFrames(plan.totalFrames, plan.fps);
  if (!options.narration) return encodeWav(toneTrack(totalSamples));
  const track = new Int16Array(totalSamples);
  let done = 0;
  // Two espeak-ng processes at a time: the machine has two cores and the frames are not drawn yet.
  const queue = [...plan.scenes];
  const speakNext = async (): Promise<void> => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const clip = await speak(item.narration, options.voice, options.signal);
      const start = samplesForFrames(item.startFrame, plan.fps);
      placeClip(track, clip, start, samplesForFrames(item.startFrame + item.frameCount, plan.fps));
      done += 1;
      options.onProgress?.(done / plan.scenes.length);
    }
  };
  await Promise.all([speakNext(), speakNext()]);
  return encodeWav(track);
}
