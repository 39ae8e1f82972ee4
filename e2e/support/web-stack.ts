/**
 * The product on one origin for browser tests, built from the real parts: the collaboration server
 * (`server/src/main.ts` as its own process), the voice service (`media/src/main.ts`, its own process),
 * the REST API (`buildApi`) — all on the same database and signing key — and the built web app
 * (`clients/web/dist`). A small HTTP front serves the files, hands `/api` and `/.well-known` to
 * Fastify and tunnels WebSocket upgrades on `/collab` and `/media` to their servers: what `npm start`
 * does on one port, assembled here until the all-in-one process serves all of them.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiConfigSchema, buildApi } from '@pocdojo/api';
import { createIdentity, createLogger, createMetricsRegistry, openDatabase, readConfig } from '@pocdojo/shared';
import { createTestDatabase } from '@pocdojo/shared/testing/test-database';
import { ServerProcess } from '../../server/test/support/server-process.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const webRoot = join(repoRoot, 'clients/web/dist/');
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

export interface WebStack {
  origin: string;
  server: ServerProcess;
  close(): Promise<void>;
}

export async function startWebStack(): Promise<WebStack> {
  if (!existsSync(join(webRoot, 'index.html')))
    throw new Error('clients/web/dist is missing: run `npm run build:web` first');
  const testDatabase = await createTestDatabase('pocdojo_web');
  const dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-web-'));
  const server = await ServerProcess.start({ databaseUrl: testDatabase.url, dataDir });
  const media = await startMedia(dataDir);
  const config = readConfig(apiConfigSchema, {
    DATA_DIR: dataDir,
    DATABASE_URL: testDatabase.url,
    LOG_LEVEL: 'silent',
    API_AUTH_RATE_PER_MINUTE: '10000',
    API_SEARCH_RATE_PER_MINUTE_USER: '10000',
  });
  const logger = createLogger({ level: 'silent', name: 'web-stack' });
  const database = await openDatabase({ databaseUrl: testDatabase.url, dataDir, logger, poolSize: 4 });
  const api = await buildApi({
    config,
    database,
    identity: await createIdentity(config),
    logger,
    metrics: createMetricsRegistry(),
  });

  const front: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://front').pathname;
    if (path.startsWith('/api/') || path.startsWith('/.well-known/')) {
      api.routing(request, response);
      return;
    }
    void serveFile(path).then(({ status, type, body }) =>
      response.writeHead(status, { 'content-type': type }).end(body),
    );
  });
  front.on('upgrade', (request: IncomingMessage, socket, head) => {
    const target = request.url?.startsWith('/collab')
      ? server.port
      : request.url?.startsWith('/media')
        ? media.port
        : undefined;
    if (target === undefined) return socket.destroy();
    const upstream = connect(target, '127.0.0.1', () => {
      const headers = Object.entries(request.headers).map(([key, value]) => `${key}: ${String(value)}`);
      upstream.write(`${request.method} ${request.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const address = front.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    origin: `http://127.0.0.1:${port}`,
    server,
    async close() {
      front.closeAllConnections();
      await new Promise((resolve) => front.close(resolve));
      await api.close();
      await database.close();
      await server.stop();
      await media.stop();
      await testDatabase.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The voice service as its own process on a port the OS picks, verifying the same tokens. */
async function startMedia(dataDir: string): Promise<{ port: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'media/src/main.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      MEDIA_PORT: '0',
      MEDIA_WORKERS: '1',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'media service listening' && entry.port) resolve(entry.port);
    });
    void exited.then(() => reject(new Error('the media service exited before listening')));
  });
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function serveFile(path: string): Promise<{ status: number; type: string; body: Buffer | string }> {
  const relative = normalize(path === '/' ? '/index.html' : path).replace(/^(\.\.[/\\])+/, '');
  try {
    return {
      status: 200,
      type: contentTypes[extname(relative)] ?? 'application/octet-stream',
      body: await readFile(join(webRoot, relative)),
    };
  } catch {
    return { status: 404, type: 'text/plain', body: 'not found' };
  }
}
