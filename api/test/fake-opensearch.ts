import type { ClientRequest, IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { Connection } from '@opensearch-project/opensearch';

/**
 * An in-memory stand-in for the few OpenSearch endpoints the API uses, plugged in as the client's
 * Connection so the real client still builds and serialises every request. It keeps indices, aliases
 * and documents with external-version semantics (an older or equal version is a 409), which is what
 * the outbox's idempotency relies on. No OpenSearch server can run on the CI machine.
 */
export interface StoredDocument {
  source: Record<string, unknown>;
  version: number;
  routing: string | undefined;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

interface AliasDefinition {
  filter?: unknown;
  routing?: string;
  is_write_index?: boolean;
}

export class FakeOpenSearch {
  readonly indices = new Map<
    string,
    { documents: Map<string, StoredDocument>; aliases: Map<string, AliasDefinition> }
  >();
  readonly requests: RecordedRequest[] = [];
  /** When set, every bulk item for these ids fails with 503. */
  readonly failingIds = new Set<string>();
  /** Canned answer for _search (the fake does not evaluate queries). */
  searchAnswer: unknown = {
    hits: { hits: [] },
    aggregations: { languages: { buckets: [] }, tags: { values: { buckets: [] } } },
  };

  /** The Connection class to give `createOpenSearchGateway`. */
  connection(): typeof Connection {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const fake = this;
    class FakeConnection extends Connection {
      override request(
        params: Parameters<Connection['request']>[0],
        callback: Parameters<Connection['request']>[1],
      ): ReturnType<Connection['request']> {
        const text = typeof params.body === 'string' || Buffer.isBuffer(params.body) ? params.body.toString() : '';
        const { status, body } = fake.handle(params.method ?? 'GET', decodeURIComponent(params.path ?? '/'), text);
        const payload = JSON.stringify(body);
        const response = Object.assign(Readable.from([payload]), {
          statusCode: status,
          headers: {
            'content-type': 'application/json; charset=UTF-8',
            'content-length': String(Buffer.byteLength(payload)),
          },
        });
        // The client only reads statusCode, headers and the body stream of the response.
        process.nextTick(callback, null, response as unknown as IncomingMessage);
        return { abort() {} } as unknown as ClientRequest;
      }
    }
    return FakeConnection as unknown as typeof Connection;
  }

  /** Documents reachable through an alias or index name. */
  documents(name: string): Map<string, StoredDocument> {
    const merged = new Map<string, StoredDocument>();
    for (const index of this.resolve(name))
      for (const [id, doc] of this.indices.get(index)?.documents ?? []) merged.set(id, doc);
    return merged;
  }

  aliasesOf(index: string): Record<string, AliasDefinition> {
    return Object.fromEntries(this.indices.get(index)?.aliases ?? []);
  }

  private resolve(name: string): string[] {
    if (this.indices.has(name)) return [name];
    return [...this.indices].filter(([, index]) => index.aliases.has(name)).map(([indexName]) => indexName);
  }

  private writeIndex(name: string): string | undefined {
    const targets = this.resolve(name);
    if (targets.length <= 1) return targets[0];
    return targets.find((index) => this.indices.get(index)?.aliases.get(name)?.is_write_index);
  }

  private handle(method: string, path: string, text: string): { status: number; body: unknown } {
    const body = text && !path.endsWith('/_bulk') ? (JSON.parse(text) as Record<string, unknown>) : text;
    this.requests.push({ method, path, body });
    const parts = path.split('/').filter(Boolean);
    if (method === 'POST' && path === '/_bulk') return this.bulk(text);
    if (method === 'POST' && path === '/_aliases')
      return this.updateAliases(body as { actions: Record<string, Record<string, unknown>>[] });
    if (method === 'GET' && parts[0] === '_alias' && parts[1]) {
      const found = this.resolve(parts[1]);
      if (found.length === 0) return { status: 404, body: { error: 'alias missing', status: 404 } };
      return {
        status: 200,
        body: Object.fromEntries(found.map((index) => [index, { aliases: this.aliasesOf(index) }])),
      };
    }
    if (method === 'PUT' && parts.length === 1 && parts[0]) {
      if (this.indices.has(parts[0]))
        return { status: 400, body: { error: { type: 'resource_already_exists_exception' } } };
      const aliases = (body as { aliases?: Record<string, AliasDefinition> }).aliases ?? {};
      this.indices.set(parts[0], { documents: new Map(), aliases: new Map(Object.entries(aliases)) });
      return { status: 200, body: { acknowledged: true } };
    }
    if (method === 'PUT' && parts[1] === '_alias' && parts[0] && parts[2]) {
      for (const index of this.resolve(parts[0]))
        this.indices.get(index)?.aliases.set(parts[2], body as AliasDefinition);
      return { status: 200, body: { acknowledged: true } };
    }
    if (method === 'POST' && parts[1] === '_search' && parts[0]) {
      if (this.resolve(parts[0]).length === 0)
        return { status: 404, body: { error: { type: 'index_not_found_exception' } } };
      return { status: 200, body: this.searchAnswer };
    }
    return { status: 400, body: { error: `fake OpenSearch does not know ${method} ${path}` } };
  }

  private bulk(text: string): { status: number; body: unknown } {
    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, Record<string, unknown>>);
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < lines.length; i += 1) {
      const [operation, meta] = Object.entries(lines[i] ?? {})[0] ?? [];
      if (!operation || !meta) continue;
      const id = String(meta._id);
      const version = Number(meta.version);
      const index = this.writeIndex(String(meta._index));
      const documents = index ? this.indices.get(index)?.documents : undefined;
      const reply = (status: number, error?: string) =>
        items.push({ [operation]: { _id: id, status, ...(error && { error: { type: error } }) } });
      if (operation === 'index') i += 1;
      if (!documents) {
        reply(404, 'index_not_found_exception');
        continue;
      }
      if (this.failingIds.has(id)) {
        reply(503, 'unavailable_shards_exception');
        continue;
      }
      const existing = documents.get(id);
      if (existing && existing.version >= version) {
        reply(409, 'version_conflict_engine_exception');
        continue;
      }
      if (operation === 'index') {
        documents.set(id, {
          source: lines[i] as Record<string, unknown>,
          version,
          routing: meta.routing as string | undefined,
        });
        reply(existing ? 200 : 201);
      } else if (existing) {
        documents.delete(id);
        reply(200);
      } else {
        reply(404);
      }
    }
    return { status: 200, body: { errors: false, items } };
  }

  private updateAliases(body: { actions: Record<string, Record<string, unknown>>[] }): {
    status: number;
    body: unknown;
  } {
    for (const action of body.actions) {
      const [kind, spec] = Object.entries(action)[0] ?? [];
      if (!spec) continue;
      if (kind === 'add') {
        const { index, alias, ...definition } = spec as unknown as { index: string; alias: string } & AliasDefinition;
        this.indices.get(index)?.aliases.set(alias, definition);
      }
      if (kind === 'remove_index') this.indices.delete(String(spec.index));
    }
    return { status: 200, body: { acknowledged: true } };
  }
}
