import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DomainError } from '@pocdojo/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contentDisposition } from './content-disposition.ts';
import type { FilesystemObjectStore } from './filesystem-object-store.ts';
import { contentTypeOf } from './object-store.ts';

/**
 * `GET /files/<tenantId>/<path>?expires&signature[&name]`: serves the filesystem store's objects to
 * holders of a valid signed link, with single-range requests so video players can seek.
 */
const querySchema = z.object({
  expires: z.coerce.number().int(),
  signature: z.string().min(1).max(200),
  name: z.string().min(1).max(200).optional(),
});

export const fileRoutes: FastifyPluginAsyncZod<{ store: FilesystemObjectStore }> = async (app, { store }) => {
  app.get(
    '/files/*',
    { schema: { hide: true, params: z.object({ '*': z.string().max(1000) }), querystring: querySchema } },
    async (request, reply) => {
      const { expires, signature, name } = request.query;
      const found = store.verify({ key: request.params['*'], expires, signature, name });
      if (!found) throw new DomainError('forbidden', 'the link is invalid or has expired');
      const size = await stat(found.file).then(
        (s) => s.size,
        () => undefined,
      );
      if (size === undefined) throw new DomainError('not_found', 'the file no longer exists');

      reply.header('content-type', contentTypeOf(found.file));
      reply.header('accept-ranges', 'bytes');
      reply.header('cache-control', 'private, max-age=60');
      if (found.downloadName) reply.header('content-disposition', contentDisposition(found.downloadName));
      const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? '');
      if (range && (range[1] || range[2])) {
        const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
        const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
        if (start > end || start >= size) {
          return reply.code(416).header('content-range', `bytes */${size}`).send();
        }
        reply
          .code(206)
          .header('content-range', `bytes ${start}-${end}/${size}`)
          .header('content-length', end - start + 1);
        return reply.send(createReadStream(found.file, { start, end }));
      }
      reply.header('content-length', size);
      return reply.send(createReadStream(found.file));
    },
  );
};
