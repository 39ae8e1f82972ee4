import { Client, type Connection } from '@opensearch-project/opensearch';
import { z } from 'zod';
import { indexDefinition } from './opensearch-documents.ts';

/**
 * The few OpenSearch calls the API makes, over the client's generic transport (so a fake Connection
 * can stand in for the server in tests). Every response is validated before use.
 */
export interface OpenSearchGateway {
  search(alias: string, body: Record<string, unknown>): Promise<unknown | undefined>;
  bulk(lines: Record<string, unknown>[]): Promise<BulkItemResult[]>;
  /** Concrete indices behind an alias (empty when the alias does not exist). */
  indicesOf(alias: string): Promise<string[]>;
  createIndex(name: string, aliases: Record<string, unknown>): Promise<void>;
  putAlias(index: string, alias: string, definition: Record<string, unknown>): Promise<void>;
  updateAliases(actions: Record<string, unknown>[]): Promise<void>;
  close(): Promise<void>;
}

export interface BulkItemResult {
  id: string;
  operation: 'index' | 'delete';
  status: number;
  error?: string;
}

const bulkResponseSchema = z.object({
  items: z.array(
    z.record(
      z.string(),
      z.object({
        _id: z.string(),
        status: z.number(),
        error: z.object({ type: z.string(), reason: z.string().optional() }).optional(),
      }),
    ),
  ),
});

const aliasResponseSchema = z.record(z.string(), z.unknown());

export function createOpenSearchGateway(options: { url: string; Connection?: typeof Connection }): OpenSearchGateway {
  const client = new Client({
    node: options.url,
    requestTimeout: 10_000,
    ...(options.Connection && { Connection: options.Connection }),
  });
  const request = (
    params: { method: string; path: string; body?: Record<string, unknown>; bulkBody?: Record<string, unknown>[] },
    ignore: number[] = [],
  ) => client.transport.request(params, { ignore });

  return {
    async search(alias, body) {
      const response = await request({ method: 'POST', path: `/${encodeURIComponent(alias)}/_search`, body }, [404]);
      return response.statusCode === 404 ? undefined : response.body;
    },
    async bulk(lines) {
      if (lines.length === 0) return [];
      const response = await request({ method: 'POST', path: '/_bulk', bulkBody: lines });
      return bulkResponseSchema.parse(response.body).items.flatMap((item) =>
        Object.entries(item).map(([operation, result]) => ({
          id: result._id,
          operation: operation === 'delete' ? ('delete' as const) : ('index' as const),
          status: result.status,
          ...(result.error && { error: `${result.error.type}: ${result.error.reason ?? ''}` }),
        })),
      );
    },
    async indicesOf(alias) {
      const response = await request({ method: 'GET', path: `/_alias/${encodeURIComponent(alias)}` }, [404]);
      return response.statusCode === 404 ? [] : Object.keys(aliasResponseSchema.parse(response.body));
    },
    async createIndex(name, aliases) {
      await request({ method: 'PUT', path: `/${encodeURIComponent(name)}`, body: { ...indexDefinition(), aliases } });
    },
    async putAlias(index, alias, definition) {
      await request({
        method: 'PUT',
        path: `/${encodeURIComponent(index)}/_alias/${encodeURIComponent(alias)}`,
        body: definition,
      });
    },
    async updateAliases(actions) {
      await request({ method: 'POST', path: '/_aliases', body: { actions } });
    },
    close: () => client.close(),
  };
}
