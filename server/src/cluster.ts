/**
 * Local multi-node launcher: `npm run cluster -- --nodes 3 [--base-port 8081]` starts N WebSocket nodes
 * on consecutive ports, sharing DATABASE_URL and REDIS_URL (both required: nodes share documents only
 * through them) and one DATA_DIR (so they share the signing key and accept the same tokens). Put a load
 * balancer in front (deploy/haproxy.cfg, deploy/nginx.conf). Ctrl-C drains every node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { baseConfigSchema, createLogger, readConfigOrExit } from '@pocdojo/shared';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const { values } = parseArgs({
  options: { nodes: { type: 'string', default: '3' }, 'base-port': { type: 'string', default: '8081' } },
});
const options = z
  .object({ nodes: z.coerce.number().int().min(1).max(32), basePort: z.coerce.number().int().min(1).max(65_000) })
  .parse({ nodes: values.nodes, basePort: values['base-port'] });

const config = readConfigOrExit(
  baseConfigSchema.extend({ DATABASE_URL: z.url(), REDIS_URL: z.url() }),
  'The cluster needs a shared Postgres and Redis, e.g.\n' +
    '  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/pocdojo REDIS_URL=redis://127.0.0.1:6379 npm run cluster -- --nodes 3',
);
const logger = createLogger({ level: config.LOG_LEVEL, name: 'cluster' });

const nodes: ChildProcess[] = [];
for (let i = 0; i < options.nodes; i++) {
  const port = options.basePort + i;
  const child = spawn(process.execPath, ['--import', 'tsx', 'all-in-one/src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), NODE_ID: `node-${i + 1}` },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    logger.info({ node: i + 1, port, code, signal }, 'node exited');
    if (nodes.every((n) => n.exitCode !== null || n.signalCode !== null)) process.exit(0);
  });
  nodes.push(child);
  logger.info({ node: i + 1, port, pid: child.pid }, 'node started');
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    logger.info({ signal }, 'draining every node');
    for (const node of nodes) node.kill('SIGTERM');
  });
}
