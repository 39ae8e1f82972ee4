import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Hocuspocus } from '@hocuspocus/server';
import type { TemplatedApp } from 'uWebSockets.js';
import type { DatabaseHandle, Identity, Logger, Registry, TokenRevocations } from '@pocdojo/shared';
import {
  Compactor,
  DocumentPersistence,
  DurableAcks,
  GroupCommit,
  KeepWarm,
  LogRepair,
  RedisFanout,
  registerPersistenceMetrics,
  UpdateLog,
} from '@pocdojo/sync';
import { CollabEndpoint } from './collab-endpoint.ts';
import { registerCollabMetrics } from './collab-metrics.ts';
import type { CollabConfig } from './config.ts';
import type { Readiness } from '@pocdojo/shared';
import { DocumentGuid } from './document-guid.ts';
import { DojoRules } from './dojo/dojo-rules.ts';
import { RoomBroadcast } from './room-broadcast.ts';
import { AwarenessIntake } from './awareness-intake.ts';
import { closeRevokedConnections } from './revoked-connections.ts';
import { TenantGuard } from './tenant-guard.ts';

export interface CollabTier {
  hocuspocus: Hocuspocus;
  endpoint: CollabEndpoint;
  persistence: DocumentPersistence;
  commits: GroupCommit;
  nodeId: string;
  /** Stop accepting, ask clients to reconnect elsewhere, and commit everything pending. */
  drain(): Promise<void>;
}

/**
 * The collaboration tier on a uWS app: Hocuspocus (its transport-independent `Hocuspocus` class) with
 * the tenant guard and durable persistence, behind the guarded `/collab` endpoint.
 */
export function createCollabTier(
  app: TemplatedApp,
  deps: {
    config: CollabConfig;
    database: DatabaseHandle;
    identity: Identity;
    logger: Logger;
    registry: Registry;
    readiness: Readiness;
    /** The process's revocations, which `identity`'s verifier already refuses: open connections close on them. */
    revocations: TokenRevocations;
  },
): CollabTier {
  const { config, logger } = deps;
  const nodeId = config.NODE_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const persistenceMetrics = registerPersistenceMetrics(deps.registry);
  const log = new UpdateLog(deps.database, nodeId, { preparedStatements: config.DATABASE_PREPARED_STATEMENTS });
  const commits = new GroupCommit(log, logger.child({ component: 'group-commit' }), {
    committed(_documents, updates, bytes, seconds) {
      persistenceMetrics.commitSeconds.observe(seconds);
      persistenceMetrics.committedUpdates.inc(updates);
      persistenceMetrics.committedBytes.inc(bytes);
      persistenceMetrics.backlogBytes.set(commits.backlogBytes);
    },
    failed() {
      persistenceMetrics.commitFailures.inc();
      metrics.errors.inc({ component: 'persistence' });
      persistenceMetrics.backlogBytes.set(commits.backlogBytes);
    },
  });
  const acks = new DurableAcks();
  const persistence = new DocumentPersistence({
    log,
    commits,
    compactor: new Compactor(deps.database.db, log, logger.child({ component: 'compaction' })),
    acks,
    metrics: persistenceMetrics,
    logger: logger.child({ component: 'persistence' }),
    compaction: { afterUpdates: config.COMPACT_AFTER_UPDATES },
  });

  const keepWarm = new KeepWarm(config.DOCUMENT_IDLE_MS, logger.child({ component: 'keep-warm' }));
  const metrics = registerCollabMetrics(deps.registry, () => hocuspocus.getDocumentsCount());
  const fanout = config.REDIS_URL
    ? new RedisFanout(
        { url: config.REDIS_URL, nodeId, prefix: config.REDIS_PREFIX },
        logger.child({ component: 'redis' }),
        {
          connectionChanged(connected) {
            metrics.redisConnected.set(connected ? 1 : 0);
            deps.readiness.set('redis', connected ? true : 'disconnected');
          },
          reconnected: () => void repair.runOnce(),
        },
      )
    : undefined;
  if (fanout) deps.readiness.require('redis', 'connecting');
  const broadcast = new RoomBroadcast(app, metrics.framesSent);
  const awareness = new AwarenessIntake(logger.child({ component: 'presence' }), config.PRESENCE_INTERVAL_MS);
  const hocuspocus = new Hocuspocus({
    name: nodeId,
    quiet: true,
    extensions: [
      // The only extension with onCreateDocument: Hocuspocus takes the last such hook's answer as the Y.Doc options.
      new DocumentGuid(),
      broadcast,
      awareness,
      new TenantGuard(deps.identity.verifier, logger.child({ component: 'auth' })),
      new DojoRules({
        ...deps,
        verifier: deps.identity.verifier,
        nodeId,
        logger: logger.child({ component: 'dojo' }),
        runs: {
          submittedBytes: config.RUNNER_SUBMITTED_KIB * 1024,
          autoRunDebounceMs: config.RUN_AUTO_DEBOUNCE_MS,
          pollMs: config.RUN_POLL_MS,
          runnerStaleSeconds: config.RUNNER_STALE_SECONDS,
        },
      }),
      persistence,
      ...(fanout ? [fanout] : []),
      keepWarm,
    ],
  });
  closeRevokedConnections(hocuspocus, deps.revocations, logger.child({ component: 'auth' }));
  const repair = new LogRepair({
    hocuspocus,
    persistence,
    log,
    logger: logger.child({ component: 'repair' }),
    intervalMs: config.REPAIR_INTERVAL_MS,
    repaired: () => metrics.repairs.inc(),
  });
  repair.start();
  const endpoint = new CollabEndpoint(
    {
      hocuspocus,
      acks,
      broadcast,
      awareness,
      metrics,
      logger: logger.child({ component: 'collab' }),
    },
    {
      path: '/collab',
      maxMessageBytes: config.MAX_MESSAGE_BYTES,
      messagesPerSecond: config.MESSAGES_PER_SECOND,
      messageBurst: config.MESSAGE_BURST,
    },
  );
  endpoint.attach(app);

  return {
    hocuspocus,
    endpoint,
    persistence,
    commits,
    nodeId,
    async drain() {
      endpoint.stopAccepting();
      endpoint.closeAll();
      repair.stop();
      await keepWarm.releaseAll();
      await commits.flush();
      commits.close();
      await fanout?.onDestroy();
    },
  };
}
