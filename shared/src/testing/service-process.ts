import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** A port nobody listens on now, for a process whose URL must be known before it starts. */
export async function sparePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ServiceProcessOptions {
  /** A short name for error messages, e.g. `collab-1`. */
  name: string;
  /** The entry point, relative to the repository, run under tsx: `server/src/main.ts`. */
  entry: string;
  /** The service's environment (nothing of the test's own is inherited but PATH and HOME). */
  env: Record<string, string>;
  /** The port its /readyz answers on once it can take traffic. */
  port: number;
  /** What "started" means: `/readyz` (default), or `/healthz` for a service whose readiness takes long. */
  readyPath?: '/readyz' | '/healthz';
  readyTimeoutMs?: number;
}

/**
 * One of the services (collab, api, media, worker, runner) as a real process, the way a deployment runs
 * it: started with its environment, ready when its /readyz says so, stopped with SIGTERM or killed with
 * SIGKILL. Its JSON log lines are kept for the error message when something goes wrong.
 */
export class ServiceProcess {
  readonly logs: string[] = [];
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly options: ServiceProcessOptions,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    createInterface({ input: child.stdout! }).on('line', (line) => this.keep(line));
    createInterface({ input: child.stderr! }).on('line', (line) => this.keep(line));
  }

  static async start(options: ServiceProcessOptions): Promise<ServiceProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', options.entry], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(options, child);
    await service.waitReady(options.readyTimeoutMs ?? 90_000);
    return service;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  async waitReady(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (!this.running) throw new Error(`${this.options.name} exited before it was ready:\n${this.recentLogs()}`);
      try {
        if ((await fetch(`${this.httpUrl}${this.options.readyPath ?? '/readyz'}`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${this.options.name} not ready after ${timeoutMs} ms:\n${this.recentLogs()}`);
  }

  /** SIGKILL: the process gets no chance to drain or flush anything. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, and the exit code once it has drained. */
  async stop(): Promise<number | null> {
    if (this.running) this.child.kill('SIGTERM');
    return this.exited;
  }

  recentLogs(lines = 40): string {
    return this.logs.slice(-lines).join('\n');
  }

  private keep(line: string): void {
    this.logs.push(line);
    if (this.logs.length > 2000) this.logs.splice(0, 1000);
  }
}
