import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * The built web app (`clients/web/dist`) at `/`, for the API process of a split deployment (the
 * all-in-one process serves it from memory instead). Its routes are hash routes, so the files as
 * they are suffice.
 */
export async function serveWebApp(app: FastifyInstance, webRoot: string): Promise<void> {
  await app.register(fastifyStatic, {
    root: webRoot,
    index: 'index.html',
  });
}
