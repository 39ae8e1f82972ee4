import { sql } from 'kysely';
import { z } from 'zod';
import type { ApiPlugin } from '../api-context.ts';

/**
 * Liveness, readiness and Prometheus metrics for the standalone API process. (In the all-in-one
 * server only /api/ and /.well-known/ reach the API; the server answers these itself.)
 */
export const operationRoutes: ApiPlugin = async (app, { context }) => {
  const hide = { hide: true };
  app.get('/healthz', { schema: hide }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    {
      schema: {
        ...hide,
        response: {
          200: z.object({ status: z.literal('ready') }),
          503: z.object({ status: z.literal('unavailable') }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await sql`SELECT 1`.execute(context.database.db);
        return { status: 'ready' as const };
      } catch (error) {
        context.logger.warn({ err: error }, 'readiness check failed');
        return reply.code(503).send({ status: 'unavailable' as const });
      }
    },
  );

  app.get('/metrics', { schema: hide }, async (_request, reply) =>
    reply
      .type(context.metrics.contentType)
      .serializer(String)
      .send(await context.metrics.metrics()),
  );
};
