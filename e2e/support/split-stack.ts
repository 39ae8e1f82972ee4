/**
 * POC Dojo deployed apart, on one machine, for browser tests: HAProxy (deploy/haproxy.split.cfg, the
 * deployment's own file) in front of two collab nodes, one API (serving the web app too), two media
 * processes placing voice rooms through Redis, the video/report worker and the test runner, on a
 * private database of the test Postgres server and the test Redis. Every service is a real process
 * (`npm run collab`, `api`, `media`, `worker`, `runner`) that a test can kill.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { HaproxyProcess } from '@pocdojo/shared/testing/haproxy-process';
import { ServiceProcess, sparePort } from '@pocdojo/shared/testing/service-process';
import { createServicesLogin, createTestDatabase, testRedisUrl } from '@pocdojo/shared/testing/test-database';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface SplitStack {
  /** The balancer: what the browsers open. */
  origin: string;
  collab: ServiceProcess[];
  media: ServiceProcess[];
  api: ServiceProcess;
  /** Every service process started, the worker and the runner too. */
  services: ServiceProcess[];
  /** The value of a gauge on one service's /metrics (summed over its label sets). */
  gauge(service: ServiceProcess, name: string): Promise<number>;
  /** The logins the services hold database connections with now, and the one they were given. */
  databaseLogins(): Promise<{ connected: string[]; services: string }>;
  close(): Promise<void>;
}

export async function startSplitStack(): Promise<SplitStack> {
  const database = await createTestDatabase('pocdojo_split');
  // Every service logs in as a deployment's do: a role under row-level security; migrations use the owner's.
  const servicesLogin = await createServicesLogin(database);
  const dataDir = await mkdtemp(join(tmpdir(), 'pocdojo-split-'));
  const balancerPort = await sparePort();
  const origin = `http://127.0.0.1:${balancerPort}`;
  // Shared by every service: one database, one Redis (its own key prefix), one signing key.
  const common = {
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: servicesLogin.url,
    DATABASE_OWNER_URL: database.url,
    REDIS_URL: testRedisUrl(),
    LOG_LEVEL: 'info',
  };
  const started: ServiceProcess[] = [];
  const start = async (options: Parameters<typeof ServiceProcess.start>[0]) => {
    const service = await ServiceProcess.start(options);
    started.push(service);
    return service;
  };
  let haproxy: HaproxyProcess | undefined;
  try {
    // The API first: it applies the migrations the others wait for.
    const apiPort = await sparePort();
    const api = await start({
      name: 'api',
      entry: 'api/src/main.ts',
      port: apiPort,
      env: {
        ...common,
        PORT: String(apiPort),
        WEB_ROOT: join(repoRoot, 'clients/web/dist'),
        // Roomy budgets: the test's steps are never throttled.
        API_AUTH_RATE_PER_MINUTE: '10000',
        API_SEARCH_RATE_PER_MINUTE_USER: '10000',
      },
    });
    const redisPrefix = `pocdojo-split-${randomBytes(4).toString('hex')}`;
    const collab = await Promise.all(
      [1, 2].map(async (index) => {
        const port = await sparePort();
        return start({
          name: `collab${index}`,
          entry: 'server/src/main.ts',
          port,
          env: {
            ...common,
            PORT: String(port),
            NODE_ID: `collab${index}`,
            REDIS_PREFIX: redisPrefix,
            SHUTDOWN_DEADLINE_MS: '8000',
          },
        });
      }),
    );
    const media = await Promise.all(
      [1, 2].map(async (index) => {
        const port = await sparePort();
        return start({
          name: `media${index}`,
          entry: 'media/src/main.ts',
          port,
          env: {
            ...common,
            MEDIA_PORT: String(port),
            MEDIA_WORKERS: '1',
            MEDIA_RTC_MIN_PORT: String(42000 + index * 500),
            MEDIA_RTC_MAX_PORT: String(42499 + index * 500),
            MEDIA_PUBLIC_URL: `ws://127.0.0.1:${balancerPort}/media/m${index}`,
            MEDIA_ROOM_LEASE_MS: '3000',
          },
        });
      }),
    );
    const workerPort = await sparePort();
    await start({
      name: 'worker',
      entry: 'api/src/jobs/worker-main.ts',
      port: workerPort,
      env: { ...common, PORT: String(workerPort) },
    });
    const runnerPort = await sparePort();
    // The runner prepares every language in a sandbox before it is ready; the browser steps need none.
    await start({
      name: 'runner',
      entry: 'runner/src/main.ts',
      port: runnerPort,
      readyPath: '/healthz',
      env: { ...common, PORT: String(runnerPort), RUNNER_CONCURRENCY: '1' },
    });

    const address = (service: ServiceProcess) => `127.0.0.1:${service.options.port}`;
    haproxy = await HaproxyProcess.start(
      await readFile(join(repoRoot, 'deploy/haproxy.split.cfg'), 'utf8'),
      balancerPort,
      {
        LB_BIND: `127.0.0.1:${balancerPort}`,
        // A test needs a handful of connections, and a test machine has a low file descriptor limit.
        LB_MAXCONN: '1000',
        COLLAB1_ADDR: address(collab[0]!),
        COLLAB2_ADDR: address(collab[1]!),
        MEDIA1_ADDR: address(media[0]!),
        MEDIA2_ADDR: address(media[1]!),
        API1_ADDR: address(api),
      },
    );
    await haproxy.waitHealthy('/readyz', 3);
    const balancer = haproxy;
    return {
      origin,
      collab,
      media,
      api,
      services: started,
      async gauge(service, name) {
        const text = await (await fetch(`${service.httpUrl}/metrics`)).text();
        return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce(
          (sum, match) => sum + Number(match[1]),
          0,
        );
      },
      async databaseLogins() {
        const owner = new pg.Client({ connectionString: database.url });
        await owner.connect();
        try {
          const { rows } = await owner.query<{ usename: string }>(
            `SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          );
          return { connected: rows.map((row) => row.usename), services: new URL(servicesLogin.url).username };
        } finally {
          await owner.end();
        }
      },
      async close() {
        await balancer.close();
        await Promise.all(started.map((service) => service.kill()));
        await database.drop();
        await servicesLogin.drop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await haproxy?.close();
    await Promise.all(started.map((service) => service.kill()));
    await database.drop();
    await servicesLogin.drop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
