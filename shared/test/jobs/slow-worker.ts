import { createLogger, JobQueue, openDatabase } from '@pocdojo/shared';
import { z } from 'zod';

/**
 * A worker process for the crash test: it takes one job from the `slow` queue, says so on stdout, and
 * works on it until it is killed. Argument: the database connection string (the embedded server's too).
 */
const connectionString = z.string().min(1).parse(process.argv[2]);
const logger = createLogger({ level: 'silent', name: 'slow-worker' });
const database = await openDatabase({ databaseUrl: connectionString, dataDir: '.', logger, poolSize: 3 });
const queue = await JobQueue.start({ database, logger, heartbeatSeconds: 1, pollingIntervalSeconds: 0.5 });
await queue.work('slow', z.object({ label: z.string() }), async (job) => {
  process.stdout.write(`started ${job.id} attempt ${job.attempt}\n`);
  await new Promise((resolve) => setTimeout(resolve, 120_000));
});
