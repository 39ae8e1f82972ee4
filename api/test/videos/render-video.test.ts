import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { renderVideo, type RenderResult } from '../../src/videos/render/render-video.ts';
import { planScenes } from '../../src/videos/render/scene-plan.ts';
import { renderShareCard } from '../../src/videos/render/share-card.ts';
import { renderOptionsSchema } from '../../src/videos/render/video-input.ts';
import { sampleYear } from './sample-year.ts';

const run = promisify(execFile);

const probeSchema = z.object({
  streams: z.array(
    z.object({
      codec_type: z.string(),
      codec_name: z.string(),
      width: z.number().optional(),
      height: z.number().optional(),
      r_frame_rate: z.string(),
      duration: z.string(),
    }),
  ),
  format: z.object({ duration: z.string(), format_name: z.string() }),
});

async function probe(file: string) {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_streams',
    '-show_format',
    file,
  ]);
  return probeSchema.parse(JSON.parse(stdout));
}

async function frameAt(file: string, seconds: number): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-v',
      'error',
      '-ss',
      seconds.toFixed(3),
      '-i',
      file,
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-s',
      '320x180',
      'pipe:1',
    ],
    { encoding: 'buffer', maxBuffer: 1 << 20 },
  );
  return stdout;
}

const meanDifference = (a: Buffer, b: Buffer) =>
  a.reduce((sum, value, i) => sum + Math.abs(value - (b[i] ?? 0)), 0) / a.length;

// Short scenes keep CI fast; the product's defaults only change how many frames each scene gets.
const options = renderOptionsSchema.parse({
  timing: { openingSec: 1, pocSec: 0.8, statisticsSec: 1.5, closingSec: 1 },
});

describe('rendering the yearly video of a person with 12 POCs', () => {
  const input = sampleYear(12);
  let dir: string;
  let file: string;
  let result: RenderResult;
  const progress: number[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'video-test-'));
    file = join(dir, 'year.mp4');
    result = await renderVideo(input, options, file, { onProgress: (f) => progress.push(f) });
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('plans an opening card, one scene per POC, a statistics scene and a closing card', () => {
    expect(result.plan.scenes.map((s) => s.scene.kind)).toEqual([
      'opening',
      ...Array<string>(12).fill('poc'),
      'statistics',
      'closing',
    ]);
    expect(result.plan.totalFrames).toBe(30 + 12 * 24 + 45 + 30);
  });

  it('writes H.264 video at 1280×720 and 30 fps with an AAC audio track into an MP4', async () => {
    const info = await probe(file);
    expect(info.format.format_name).toContain('mp4');
    const video = info.streams.find((s) => s.codec_type === 'video');
    const audio = info.streams.find((s) => s.codec_type === 'audio');
    expect(video).toMatchObject({ codec_name: 'h264', width: 1280, height: 720, r_frame_rate: '30/1' });
    expect(audio).toMatchObject({ codec_name: 'aac' });
  });

  it('lasts as long as the scene plan predicts, within a frame', async () => {
    const info = await probe(file);
    const video = info.streams.find((s) => s.codec_type === 'video');
    expect(Math.abs(Number(video?.duration) - result.plan.durationSec)).toBeLessThanOrEqual(1 / 30);
    // AAC pads its last packet, so the container may run a few milliseconds over.
    expect(Math.abs(Number(info.format.duration) - result.plan.durationSec)).toBeLessThanOrEqual(0.1);
  });

  it('shows a POC scene that differs from the opening card', async () => {
    const pocScene = result.plan.scenes[3];
    const opening = await frameAt(file, 0.9);
    const poc = await frameAt(file, ((pocScene?.startFrame ?? 0) + 20) / 30);
    expect(meanDifference(opening, poc)).toBeGreaterThan(3);
  });

  it('reports progress from 0 to 1 in increasing steps', () => {
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((value, i) => i === 0 || value > (progress[i - 1] ?? 0))).toBe(true);
  });

  it('paints only the animated frames and reuses still ones', () => {
    expect(result.paintedFrames).toBeLessThan(result.plan.totalFrames);
  });
});

describe('rendering without narration', () => {
  it('still carries an audio track (a background tone) as long as the video', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'video-test-'));
    try {
      const file = join(dir, 'quiet.mp4');
      const quiet = renderOptionsSchema.parse({
        narration: false,
        timing: { openingSec: 0.5, pocSec: 0.5, statisticsSec: 0.5, closingSec: 0.5 },
      });
      const result = await renderVideo(sampleYear(2), quiet, file);
      const info = await probe(file);
      const audio = info.streams.find((s) => s.codec_type === 'audio');
      expect(audio?.codec_name).toBe('aac');
      expect(Math.abs(Number(audio?.duration) - result.durationSec)).toBeLessThanOrEqual(0.1);
      const { stderr } = await run('ffmpeg', [
        '-hide_banner',
        '-i',
        file,
        '-af',
        'volumedetect',
        '-vn',
        '-f',
        'null',
        '-',
      ]);
      const meanVolume = Number(/mean_volume: (-?[\d.]+) dB/.exec(stderr)?.[1]);
      expect(meanVolume).toBeGreaterThan(-60);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a render that fails', () => {
  it('rejects with the reason and leaves neither the output nor its temp files behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'video-test-'));
    try {
      const controller = new AbortController();
      const rendering = renderVideo(sampleYear(12), options, join(dir, 'broken.mp4'), {
        signal: controller.signal,
        onProgress: (f) => f > 0.3 && controller.abort(new Error('stopped by the test')),
      });
      await expect(rendering).rejects.toThrow('stopped by the test');
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the share card', () => {
  it('is a 1200×630 PNG', async () => {
    const png = renderShareCard(sampleYear(12));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1200);
    expect(png.readUInt32BE(20)).toBe(630);
  });
});

describe('the scene plan', () => {
  it('derives the duration from the scene timings and orders POCs by date', () => {
    const input = sampleYear(5);
    const plan = planScenes(input, renderOptionsSchema.parse({}));
    expect(plan.durationSec).toBe(4 + 5 * 6 + 7 + 4);
    const dates = plan.scenes.flatMap((s) => (s.scene.kind === 'poc' ? [s.scene.poc.createdAt.getTime()] : []));
    expect(dates).toEqual([...dates].sort((a, b) => a - b));
    expect(plan.scenes[0]?.narration).toContain('Ada Lovelace');
  });
});
