import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { FfmpegEncoder } from './ffmpeg-encoder.ts';
import { isStill, paintScene } from './scene-painter.ts';
import { planScenes, type ScenePlan } from './scene-plan.ts';
import { buildSoundtrack } from './soundtrack.ts';
import { VIDEO_FPS, VIDEO_HEIGHT, VIDEO_WIDTH, type RenderOptions, type VideoInput } from './video-input.ts';

/**
 * Renders the yearly video to `outputFile`: plan → soundtrack WAV → frames streamed into ffmpeg. All work
 * happens in a private temp folder next to the output (same filesystem, so the final rename is atomic);
 * the folder is removed whatever happens, so a failed or aborted render leaves no half file behind.
 */
export interface RenderHooks {
  /** Overall progress, 0..1, called at most once per percent. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

export interface RenderResult {
  plan: ScenePlan;
  durationSec: number;
  /** Frames actually painted; the rest reused a still frame. */
  paintedFrames: number;
}

/** Share of the progress bar given to speech synthesis; the frames take the rest. */
const SOUNDTRACK_SHARE = 0.1;

export async function renderVideo(
  input: VideoInput,
  options: RenderOptions,
  outputFile: string,
  hooks: RenderHooks = {},
): Promise<RenderResult> {
  const plan = planScenes(input, options, VIDEO_FPS);
  let reported = -1;
  const report = (fraction: number) => {
    const percent = Math.floor(fraction * 100);
    if (percent > reported) {
      reported = percent;
      hooks.onProgress?.(percent / 100);
    }
  };
  report(0);

  const workDir = await mkdtemp(join(dirname(outputFile), '.render-'));
  let encoder: FfmpegEncoder | undefined;
  try {
    const audioFile = join(workDir, 'soundtrack.wav');
    const soundtrack = await buildSoundtrack(plan, {
      narration: options.narration,
      voice: options.voice,
      signal: hooks.signal,
      onProgress: (f) => report(f * SOUNDTRACK_SHARE),
    });
    await writeFile(audioFile, soundtrack);

    const videoFile = join(workDir, 'video.mp4');
    encoder = new FfmpegEncoder({
      width: VIDEO_WIDTH,
      height: VIDEO_HEIGHT,
      fps: plan.fps,
      audioFile,
      outputFile: videoFile,
      signal: hooks.signal,
    });
    const canvas = createCanvas(VIDEO_WIDTH, VIDEO_HEIGHT);
    const ctx = canvas.getContext('2d');
    let paintedFrames = 0;
    let written = 0;
    for (const { scene, frameCount } of plan.scenes) {
      let frame: Buffer | undefined;
      for (let i = 0; i < frameCount; i++) {
        hooks.signal?.throwIfAborted();
        const seconds = i / plan.fps;
        // Once a scene holds still, its last painted frame is sent again instead of being repainted.
        if (!frame || !isStill(seconds) || !isStill((i - 1) / plan.fps)) {
          paintScene(ctx, scene, seconds, VIDEO_WIDTH, VIDEO_HEIGHT);
          frame = canvas.data();
          paintedFrames += 1;
        }
        await encoder.writeFrame(frame);
        written += 1;
        report(SOUNDTRACK_SHARE + (1 - SOUNDTRACK_SHARE) * (written / plan.totalFrames) * 0.99);
      }
    }
    await encoder.finish();
    encoder = undefined;
    await rename(videoFile, outputFile);
    report(1);
    return { plan, durationSec: plan.durationSec, paintedFrames };
  } finally {
    await encoder?.abort();
    await rm(workDir, { recursive: true, force: true });
  }
}
