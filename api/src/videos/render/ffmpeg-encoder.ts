import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';

/**
 * Debian's ffmpeg as an H.264 + AAC MP4 encoder fed raw RGBA frames on stdin: no intermediate image files,
 * and back-pressure from the pipe keeps memory flat however long the video is.
 */
export interface EncoderOptions {
  width: number;
  height: number;
  fps: number;
  audioFile: string;
  outputFile: string;
  signal?: AbortSignal;
}

export class FfmpegEncoder {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<void>;
  private stderrTail = '';
  private failure: Error | undefined;

  constructor(options: EncoderOptions) {
    const { width, height, fps } = options;
    // the ffmpeg binary name is fixed and every argument is ours, so no user text reaches a shell
    this.child = spawn(
      'ffmpeg',
      [
        ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'],
        ['-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${width}x${height}`, '-framerate', String(fps), '-i', 'pipe:0'],
        ['-i', options.audioFile],
        ['-map', '0:v:0', '-map', '1:a:0'],
        [
          '-c:v',
          'libx264',
          '-preset',
          'veryfast',
          '-tune',
          'stillimage',
          '-crf',
          '23',
          '-pix_fmt',
          'yuv420p',
          '-r',
          String(fps),
        ],
        ['-c:a', 'aac', '-b:a', '128k', '-ar', '44100'],
        ['-movflags', '+faststart', '-f', 'mp4', options.outputFile],
      ].flat(),
      { stdio: ['pipe', 'pipe', 'pipe'], signal: options.signal },
    );
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
    });
    this.child.stdout.resume();
    // Writing after ffmpeg died raises EPIPE on stdin; the exit code carries the real reason.
    this.child.stdin.on('error', (error) => (this.failure ??= error));
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', (error) => reject(new Error(`ffmpeg could not run: ${error.message}`)));
      this.child.on('close', (code, signal) => {
        if (code === 0) return resolve();
        reject(
          new Error(
            `ffmpeg failed (${signal ?? `exit ${code}`}): ${this.stderrTail.trim() || this.failure?.message || 'no output'}`,
          ),
        );
      });
    });
    // Until someone awaits `finish`, a failure must not surface as an unhandled rejection.
    this.exited.catch(() => undefined);
  }

  /** Resolves once ffmpeg has taken the frame into its pipe buffer (waits for drain when the pipe is full). */
  async writeFrame(rgba: Buffer): Promise<void> {
    if (this.child.exitCode !== null || this.failure) await this.exited;
    if (!this.child.stdin.write(rgba)) {
      await Promise.race([once(this.child.stdin, 'drain'), this.exited]);
    }
  }

  async finish(): Promise<void> {
    this.child.stdin.end();
    await this.exited;
  }

  /** Stops ffmpeg without waiting for a complete file; the caller deletes what it wrote. */
  async abort(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited.catch(() => undefined);
    }
  }
}
