import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createTokenIssuer, loadOrCreateSigningKey, type Claims } from '@pocdojo/shared';
import { createTestDatabase, type TestDatabase } from '@pocdojo/shared/testing/test-database';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

export interface ServerProcessOptions {
  dataDir?: string;
  databaseUrl?: string;
  env?: Record<string, string>;
  /** Wait for /readyz (default) or only for the port to listen. */
  waitReady?: boolean;
}

/**
 * The real server as a separate process (the all-in-one `all-in-one/src/main.ts` under tsx), on a port the OS picks.
 * Tests stop it with SIGTERM, kill it with SIGKILL, and start it again on the same data.
 */
export class ServerProcess {
  port = 0;
  readonly logs: string[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);

  private constructor(readonly options: Required<Pick<ServerProcessOptions, 'dataDir'>> & ServerProcessOptions) {}

  /** A server on a private database of the test Postgres server; `dispose` stops it and drops the database. */
  static async onTestDatabase(options: Omit<ServerProcessOptions, 'databaseUrl'> = {}): Promise<ServerProcess> {
    const database = await createTestDatabase();
    try {
      const server = await ServerProcess.start({ ...options, databaseUrl: database.url });
      server.testDatabase = database;
      return server;
    } catch (error) {
      await database.drop();
      throw error;
    }
  }

  private testDatabase: TestDatabase | undefined;

  async dispose(): Promise<void> {
    await this.stop();
    await this.testDatabase?.drop();
  }

  static async start(options: ServerProcessOptions = {}): Promise<ServerProcess> {
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'pocdojo-test-')));
    const server = new ServerProcess({ ...options, dataDir });
    await server.launch();
    return server;
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/collab`;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async launch(port = this.port): Promise<void> {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: this.options.dataDir,
      LOG_LEVEL: 'info',
      SHUTDOWN_DEADLINE_MS: '8000',
      // One mediasoup worker per server process: tests start many servers on two cores.
      MEDIA_WORKERS: '1',
      // Nor a test runner, whose start probes every language in a sandbox: the tests of runs ask for one.
      RUN_WORKER: 'off',
      ...(this.options.databaseUrl ? { DATABASE_URL: this.options.databaseUrl } : {}),
      ...this.options.env,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'all-in-one/src/main.ts'], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const listening = new Promise<number>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        this.logs.push(line);
        if (line.includes('"msg":"listening"')) resolve((JSON.parse(line) as { port: number }).port);
      });
      child.stderr!.on('data', (chunk: Buffer) => this.logs.push(chunk.toString()));
      void this.exited.then((code) =>
        reject(new Error(`server exited (${code}) before listening:\n${this.logs.join('\n')}`)),
      );
      // The port comes from the info-level "listening" line: a LOG_LEVEL above info would hide it.
      setTimeout(
        () => reject(new Error(`server did not listen within 60 s:\n${this.logs.join('\n')}`)),
        60_000,
      ).unref();
    });
    this.port = await listening;
    if (this.options.waitReady !== false) await this.waitReady();
  }

  async waitReady(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      try {
        if ((await fetch(`${this.httpUrl}/readyz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`server not ready after ${timeoutMs} ms:\n${this.logs.join('\n')}`);
  }

  async token(claims: Omit<Claims, 'exp' | 'iat' | 'jti'>, ttlSeconds = 3600): Promise<string> {
    const key = await loadOrCreateSigningKey(this.options.dataDir);
    return createTokenIssuer({ key, issuer: 'poc-dojo', audience: 'poc-dojo' }).issue(claims, ttlSeconds);
  }

  /** SIGTERM and wait; resolves with the exit code. */
  async stop(): Promise<number | null> {
    this.child?.kill('SIGTERM');
    return this.exited;
  }

  /** SIGKILL: no chance to flush anything. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /**
   * Starts again on the same data dir and database. On a new port: the killed process's connections
   * leave the old one in TIME_WAIT, and uWebSockets.js does not bind over that.
   */
  async restart(): Promise<void> {
    await this.launch(0);
  }
}
