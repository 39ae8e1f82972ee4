import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sparePort } from '@pocdojo/shared/testing/service-process';

/**
 * A private coturn (Debian's `turnserver`) on spare loopback ports, taking only TURN REST API credentials
 * (`use-auth-secret` with `secret`), relaying to loopback peers (the SFU listens on 127.0.0.1 here).
 */
export class TurnServerProcess {
  private readonly output: string[] = [];
  private readonly exited: Promise<void>;

  private constructor(
    readonly port: number,
    /** The UDP ports coturn relays from. */
    readonly relayPorts: [number, number],
    private readonly child: ChildProcess,
    private readonly directory: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdout!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
  }

  static async start(secret: string, realm = 'pocdojo.test'): Promise<TurnServerProcess> {
    const directory = await mkdtemp(join(tmpdir(), 'pocdojo-turn-'));
    const port = await sparePort();
    const relayPorts = 10_000 + Math.floor(Math.random() * 40) * 1000;
    const child = spawn(
      'turnserver',
      [
        '-n',
        '--listening-ip=127.0.0.1',
        `--listening-port=${port}`,
        '--relay-ip=127.0.0.1',
        `--min-port=${relayPorts}`,
        `--max-port=${relayPorts + 999}`,
        '--use-auth-secret',
        `--static-auth-secret=${secret}`,
        `--realm=${realm}`,
        '--allow-loopback-peers',
        '--no-cli',
        '--no-tls',
        '--no-dtls',
        '--no-tcp-relay',
        `--userdb=${join(directory, 'turndb')}`,
        `--pidfile=${join(directory, 'turnserver.pid')}`,
        '--log-file=stdout',
        '--simple-log',
        '--verbose',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const turn = new TurnServerProcess(port, [relayPorts, relayPorts + 999], child, directory);
    await turn.waitFor(/Total (UDP|General) servers|IPv4\. UDP listener opened on : 127\.0\.0\.1/);
    return turn;
  }

  get url(): string {
    return `turn:127.0.0.1:${this.port}?transport=udp`;
  }

  /** What coturn logged so far. */
  log(): string {
    return this.output.join('');
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    await this.exited;
    await rm(this.directory, { recursive: true, force: true });
  }

  private async waitFor(pattern: RegExp): Promise<void> {
    const until = Date.now() + 15_000;
    while (!pattern.test(this.log())) {
      if (this.child.exitCode !== null) throw new Error(`turnserver exited:\n${this.log()}`);
      if (Date.now() > until) throw new Error(`turnserver did not start:\n${this.log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
