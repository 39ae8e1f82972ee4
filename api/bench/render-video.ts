import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderVideo } from '../src/videos/render/render-video.ts';
import { renderOptionsSchema } from '../src/videos/render/video-input.ts';
import { sampleYear } from '../test/videos/sample-year.ts';

/**
 * `npm run bench:video`: renders the yearly video with the product's scene timings and narration for
 * 12 and 100 POCs and prints the wall time. Figures, not assertions: the machine decides the speed.
 */
const options = renderOptionsSchema.parse({});
const dir = await mkdtemp(join(tmpdir(), 'video-bench-'));
try {
  for (const count of [12, 100]) {
    const file = join(dir, `year-${count}.mp4`);
    const started = performance.now();
    const result = await renderVideo(sampleYear(count), options, file);
    const seconds = (performance.now() - started) / 1000;
    const { size } = await stat(file);
    process.stdout.write(
      `${count} POCs: ${result.durationSec.toFixed(1)} s of video (${result.plan.totalFrames} frames, ${result.paintedFrames} painted), ` +
        `rendered in ${seconds.toFixed(1)} s (${(result.durationSec / seconds).toFixed(1)}× real time), ${(size / 1e6).toFixed(1)} MB\n`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
