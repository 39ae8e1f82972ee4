/**
 * Starts one server under test as its own process and watches it from outside: CPU time and RSS from
 * /proc/<pid>, JS heap after a forced GC through the inspector protocol (so no server needs a GC hook).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrCreateSigningKey } from '@pocdojo/shared/auth/signing-key';
import { createTokenIssuer } from '@pocdojo/shared/auth/token-issuer';
import WebSocket from 'ws';
import { z } from 'zod';
import type { Dialect, Endpoint } from './collab-client.ts';

/**
 * `ours` is what `npm start` runs: the all-in-one process (API, voice and web app beside the collaboration
 * tier) on its embedded database (PGlite inside the process, so its CPU counts as the server's).
 * `ours-postgres` is what a deployment on Postgres runs on each collaboration node: the collaboration
 * process alone (`npm run collab`, as in deploy/kubernetes/base/collab.yaml) on the machine's Postgres,
 * which shows what the tier itself spends and holds.
 */
export const serverKinds = ['ours', 'ours-postgres', 'hocuspocus', 'y-websocket', 'relay'] as const;
export type ServerKind = (typeof serverKinds)[number];

/** Our tier, whichever database it stands on. */
export const isOurs = (kind: ServerKind): kind is 'ours' | 'ours-postgres' =>
  kind === 'ours' || kind === 'ours-postgres';

export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const entryPoints: Record<ServerKind, string> = {
  ours: join(repositoryRoot, 'all-in-one/src/main.ts'),
  'ours-postgres': join(repositoryRoot, 'server/src/main.ts'),
  hocuspocus: join(repositoryRoot, 'load-tests/bench/peers/hocuspocus-server.ts'),
  'y-websocket': join(repositoryRoot, 'load-tests/bench/peers/y-websocket-server.ts'),
  relay: join(repositoryRoot, 'load-tests/bench/peers/relay-server.ts'),
};

const dialects: Record<ServerKind, Dialect> = {
  ours: 'hocuspocus',
  'ours-postgres': 'hocuspocus',
  hocuspocus: 'hocuspocus',
  'y-websocket': 'y-websocket',
  relay: 'relay',
};

export interface StartOptions {
  /** Open the inspector so the harness can force a GC and read the heap. */
  inspect?: boolean;
  databaseUrl?: string;
  redisUrl?: string;
  /** Share a data directory (and so the signing key) between nodes of one cluster. */
  dataDir?: string;
  /** Keeps one cluster's Redis channels apart from other runs' (Hocuspocus peer). */
  redisPrefix?: string;
  /** Write a V8 CPU profile of the server into this directory when it stops. */
  profileDirectory?: string;
  /** More Node or V8 flags for the server's process. */
  serverFlags?: readonly string[];
}

/** CPU seconds of a process, split three ways that add up to the whole. */
export interface CpuSplit {
  /** stime of every thread: system calls (socket sends and reads) and what the kernel does for them. */
  kernel: number;
  /** utime of the main thread: the server's JavaScript and the native code it calls (uWS, V8's builtins). */
  mainThread: number;
  /** utime of the other threads: V8's garbage collector and optimizing compiler, libuv's pool. */
  helperThreads: number;
}

export interface ProcessUsage {
  /** utime + stime of all the process's threads, in seconds. */
  cpuSeconds: number;
  cpu: CpuSplit;
  rssBytes: number;
}

export interface ServerUnderTest {
  kind: ServerKind;
  pid: number;
  port: number;
  dataDir: string;
  /**
   * Where client `client` joins `documentName`. Each client of ours presents its own token (minted by
   * `prepareClients`), as every participant does: a join storm after a node restart is thousands of tokens
   * the node has never seen, not one token presented thousands of times.
   */
  endpoint(documentName: string, client?: number): Endpoint;
  /** Mints the tokens of clients 0 … count − 1 that have none yet. */
  prepareClients(count: number): Promise<void>;
  usage(): ProcessUsage;
  /** Forces a full GC in the server and returns its JS heap in use; needs `inspect`. */
  heapAfterGc(): Promise<number>;
  stop(): Promise<void>;
}

const clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const pageSize = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim());

/** The fields of a /proc stat file after the command name, which sits in parentheses and may hold spaces. */
function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

export function readUsage(pid: number): ProcessUsage {
  const whole = statFields(`/proc/${pid}/stat`);
  // The process's line sums its threads; the main thread is the task whose id is the process's.
  const userTicks = Number(whole[11]);
  const kernelTicks = Number(whole[12]);
  const mainUserTicks = Number(statFields(`/proc/${pid}/task/${pid}/stat`)[11]);
  const seconds = (ticks: number) => ticks / clockTicksPerSecond;
  return {
    cpuSeconds: seconds(userTicks + kernelTicks),
    cpu: {
      kernel: seconds(kernelTicks),
      mainThread: seconds(mainUserTicks),
      helperThreads: seconds(userTicks - mainUserTicks),
    },
    rssBytes: Number(whole[21]) * pageSize,
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Servers still running: if the harness dies, they must not outlive it. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

const benchTenant = 't_bench';
export const benchDocument = (kind: string, id: string): string => `${benchTenant}/${kind}/${id}/code`;

export async function startServer(kind: ServerKind, options: StartOptions = {}): Promise<ServerUnderTest> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), `pocdojo-bench-${kind}-`)));
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    // The bench measures the collaboration tier: no test runner probing languages beside it.
    RUN_WORKER: 'off',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...(options.redisPrefix ? { REDIS_PREFIX: options.redisPrefix } : {}),
  };
  const nodeArgs = [
    ...(options.inspect ? ['--inspect=127.0.0.1:0'] : []),
    ...(options.profileDirectory ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDirectory}`] : []),
    ...(options.serverFlags ?? []),
    ...['--import', 'tsx', entryPoints[kind]],
  ];
  const child = spawn(process.execPath, nodeArgs, { cwd: repositoryRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const output: string[] = [];
  const remember = (text: string) => {
    output.push(text);
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  const inspectorUrl = new Promise<string>((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      remember(text);
      const match = /Debugger listening on (ws:\/\/\S+)/.exec(text);
      if (match?.[1]) resolve(match[1]);
    });
  });
  child.stdout.on('data', (chunk: Buffer) => remember(chunk.toString()));

  const tokens: string[] = [];
  const issuer = isOurs(kind)
    ? createTokenIssuer({ key: await loadOrCreateSigningKey(dataDir), issuer: 'poc-dojo', audience: 'poc-dojo' })
    : undefined;
  const prepareClients = async (count: number) => {
    while (tokens.length < count) {
      const client = tokens.length;
      tokens.push(
        issuer
          ? await issuer.issue({ sub: `bench-${client}`, tid: benchTenant, roles: ['participant'] }, 4 * 3600)
          : 'bench',
      );
    }
  };

  try {
    await waitUntilReady(child, port, isOurs(kind) ? ['/healthz', '/readyz'] : ['/healthz'], output);
  } catch (error) {
    child.kill('SIGKILL');
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  await prepareClients(1);
  const tokenOf = (client: number) => {
    const token = tokens[client];
    if (token === undefined) throw new Error(`client ${client} has no token: prepareClients first`);
    return token;
  };

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      // A server holding thousands of sockets drains them and then writes its CPU profile: a kill before
      // that loses the profile.
      const timer = setTimeout(() => child.kill('SIGKILL'), options.profileDirectory ? 60_000 : 5000);
      await exited;
      clearTimeout(timer);
    }
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
  };

  return {
    kind,
    pid: child.pid as number,
    port,
    dataDir,
    endpoint: (documentName, client = 0) => ({
      dialect: dialects[kind],
      url: isOurs(kind)
        ? `ws://127.0.0.1:${port}/collab`
        : kind === 'hocuspocus'
          ? `ws://127.0.0.1:${port}/`
          : `ws://127.0.0.1:${port}/${documentName}`,
      documentName,
      token: tokenOf(client),
    }),
    prepareClients,
    usage: () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `${kind} server exited (${child.exitCode ?? child.signalCode}) during the run:\n${output.join('').slice(-3000)}`,
        );
      }
      return readUsage(child.pid as number);
    },
    heapAfterGc: async () => {
      if (!options.inspect) throw new Error('heapAfterGc needs a server started with inspect');
      return collectGarbage(await inspectorUrl);
    },
    stop,
  };
}

async function waitUntilReady(child: ChildProcess, port: number, paths: string[], output: string[]): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (const path of paths) {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`server exited (${child.exitCode ?? child.signalCode}):\n${output.join('').slice(-3000)}`);
      }
      if (Date.now() > deadline) throw new Error(`server not ready on ${path}:\n${output.join('').slice(-3000)}`);
      const ok = await fetch(`http://127.0.0.1:${port}${path}`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

const cdpReplySchema = z.object({
  id: z.number(),
  result: z.object({ usedSize: z.number().optional() }).optional(),
  error: z.object({ message: z.string() }).optional(),
});

/** Two full collections (the second catches what finalizers freed), then the heap in use, over CDP. */
async function collectGarbage(url: string): Promise<number> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const call = (method: string) =>
    new Promise<z.infer<typeof cdpReplySchema>>((resolve, reject) => {
      const id = nextId++;
      const onMessage = (data: Buffer) => {
        const reply = cdpReplySchema.safeParse(JSON.parse(data.toString()));
        if (!reply.success || reply.data.id !== id) return;
        socket.off('message', onMessage);
        if (reply.data.error) reject(new Error(reply.data.error.message));
        else resolve(reply.data);
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id, method }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const usage = await call('Runtime.getHeapUsage');
    return usage.result?.usedSize ?? Number.NaN;
  } finally {
    socket.close();
  }
}
