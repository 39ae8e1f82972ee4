/**
 * The product as `npm start` runs it, for browser tests: the all-in-one process (`all-in-one/src/main.ts`)
 * serving the web app, the REST API, the collaboration WebSocket and voice signaling on one port, on a
 * private database of the test Postgres server. The web app must be built first (`npm run build:web`):
 * the server reads `clients/web/dist` once, when it starts.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@pocdojo/shared/testing/test-database';
import { ServerProcess } from '@pocdojo/server/testing/server-process';

const webIndex = fileURLToPath(new URL('../../clients/web/dist/index.html', import.meta.url));

export interface WebStack {
  origin: string;
  server: ServerProcess;
  close(): Promise<void>;
}

/** `env` adds configuration, e.g. a short `API_ACCESS_TOKEN_TTL` to cross an expiry within a test. */
export async function startWebStack(options: { env?: Record<string, string> } = {}): Promise<WebStack> {
  if (!existsSync(webIndex)) throw new Error('clients/web/dist is missing: run `npm run build:web` first');
  const database = await createTestDatabase('pocdojo_web');
  const server = await ServerProcess.start({
    databaseUrl: database.url,
    // One mediasoup worker is plenty for two browsers; roomy API budgets so the steps are never throttled.
    env: {
      MEDIA_WORKERS: '1',
      API_AUTH_RATE_PER_MINUTE: '10000',
      API_SEARCH_RATE_PER_MINUTE_USER: '10000',
      ...options.env,
    },
  });
  return {
    origin: server.httpUrl,
    server,
    async close() {
      await server.stop();
      await database.drop();
    },
  };
}
