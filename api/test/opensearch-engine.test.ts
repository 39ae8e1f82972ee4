import { createLogger } from '@pocdojo/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenSearchGateway, type OpenSearchGateway } from '../src/search/opensearch-client.ts';
import {
  buildSearchBody,
  indexDefinition,
  parseSearchResponse,
  tenantAlias,
} from '../src/search/opensearch-documents.ts';
import { createOpenSearchSearch } from '../src/search/opensearch-search.ts';
import { searchQuerySchema } from '../src/search/search-engine.ts';
import { SearchIndexer } from '../src/search/search-indexer.ts';
import { call, signUp, startTestApi, type SignedUp, type TestApi } from './api-harness.ts';
import { FakeOpenSearch } from './fake-opensearch.ts';

const query = (input: Record<string, string>) => searchQuerySchema.parse(input);

describe('OpenSearch mapping', () => {
  const definition = indexDefinition() as {
    settings: {
      analysis: { analyzer: Record<string, { filter: string[] }>; filter: Record<string, { type: string }> };
    };
    mappings: {
      dynamic: string;
      properties: Record<string, { type: string; fields?: Record<string, { analyzer?: string }> }>;
    };
  };

  it('analyses names and descriptions for exact words and for prefixes', () => {
    expect(definition.settings.analysis.filter.autocomplete_edge?.type).toBe('edge_ngram');
    expect(definition.settings.analysis.analyzer.autocomplete?.filter).toContain('autocomplete_edge');
    expect(definition.mappings.properties.name?.fields?.prefix?.analyzer).toBe('autocomplete');
    expect(definition.mappings.properties.description?.fields?.prefix?.analyzer).toBe('autocomplete');
  });

  it('keeps tenant, language and tags as keywords and refuses unmapped fields', () => {
    expect(definition.mappings.dynamic).toBe('strict');
    expect(definition.mappings.properties.tenant_id?.type).toBe('keyword');
    expect(definition.mappings.properties.language?.type).toBe('keyword');
    expect(definition.mappings.properties.tags?.type).toBe('keyword');
  });
});

describe('OpenSearch query builder', () => {
  it('always filters by the tenant, even through the tenant alias', () => {
    const body = buildSearchBody('t_a', query({ q: 'kube' })) as { query: { bool: { filter: unknown[] } } };
    expect(body.query.bool.filter).toContainEqual({ term: { tenant_id: 't_a' } });
  });

  it('matches prefixes, typos (fuzziness AUTO) and rewards an exact name', () => {
    const text = JSON.stringify(buildSearchBody('t_a', query({ q: 'Kubernets Op' })));
    expect(text).toContain('"name.prefix^2"');
    expect(text).toContain('"fuzziness":"AUTO"');
    expect(text).toContain('"name.exact":{"value":"kubernets op"');
  });

  it('turns tags into exact filters of the query and the language into a filter of the hits only', () => {
    const body = buildSearchBody('t_a', query({ language: 'Go', tags: 'K8s, web' })) as {
      query: { bool: { filter: unknown[]; must: unknown[] } };
      post_filter: unknown;
    };
    expect(body.query.bool.filter).toEqual([
      { term: { tenant_id: 't_a' } },
      { term: { tags: 'k8s' } },
      { term: { tags: 'web' } },
    ]);
    expect(body.post_filter).toEqual({ term: { 'language.folded': 'go' } });
    expect(body.query.bool.must).toEqual([]);
  });

  it('counts languages without the language filter, and tags with it', () => {
    // Aggregations run on the query, before the post_filter: every language of the matches is counted.
    const filtered = buildSearchBody('t_a', query({ q: 'kube', language: 'Go' }));
    expect(filtered.aggs).toEqual({
      languages: { terms: { field: 'language', size: 30 } },
      tags: {
        filter: { term: { 'language.folded': 'go' } },
        aggs: { values: { terms: { field: 'tags', size: 30 } } },
      },
    });
    const unfiltered = buildSearchBody('t_a', query({ q: 'kube' }));
    expect(unfiltered).not.toHaveProperty('post_filter');
    expect(unfiltered.aggs).toMatchObject({ tags: { filter: { match_all: {} } } });
  });

  it('lists newest first without highlights when there is no text', () => {
    const body = buildSearchBody('t_a', query({ language: 'Go' }));
    expect(body.sort).toEqual([{ created_at: 'desc' }]);
    expect(body).not.toHaveProperty('highlight');
  });

  it('maps hits, facets and escaped highlights onto the API’s result shape', () => {
    const result = parseSearchResponse(
      {
        hits: {
          hits: [
            {
              _id: 'p_1',
              _score: 3.14159,
              _source: { name: 'Kubernetes <op>', language: 'Go', tags: ['k8s'] },
              highlight: { 'name.prefix': ['\u0002Kubernetes\u0003 <op>'] },
            },
          ],
        },
        aggregations: {
          languages: { buckets: [{ key: 'Go', doc_count: 3 }] },
          tags: { doc_count: 3, values: { buckets: [{ key: 'k8s', doc_count: 2 }] } },
        },
      },
      4.2,
    );
    expect(result).toEqual({
      items: [
        {
          id: 'p_1',
          name: 'Kubernetes <op>',
          language: 'Go',
          tags: ['k8s'],
          score: 3.1416,
          highlights: { name: '<mark>Kubernetes</mark> &lt;op&gt;' },
        },
      ],
      facets: { languages: { Go: 3 }, tags: { k8s: 2 } },
      tookMs: 4.2,
    });
  });
});

describe('outbox drain and reindex against a fake OpenSearch transport', () => {
  let api: TestApi;
  let fake: FakeOpenSearch;
  let gateway: OpenSearchGateway;
  let indexer: SearchIndexer;
  let owner: SignedUp;
  const index = 'pocs-test';

  beforeAll(async () => {
    // The app writes outbox rows because OPENSEARCH_URL is set; its own worker cannot reach that
    // closed port, so only the indexer under test (on the fake transport) drains.
    api = await startTestApi({ env: { OPENSEARCH_URL: 'http://127.0.0.1:9', OPENSEARCH_INDEX: index } });
    fake = new FakeOpenSearch();
    gateway = createOpenSearchGateway({ url: 'http://fake-opensearch:9200', Connection: fake.connection() });
    indexer = new SearchIndexer(
      api.database.db,
      gateway,
      index,
      createLogger({ level: 'silent', name: 'indexer-test' }),
    );
    await indexer.ensureIndex();
    owner = await signUp(api.app, 'Outbox Co');
  });
  afterAll(async () => {
    await gateway?.close();
    await api?.close();
  });

  const pending = async () =>
    (await api.database.pool.query('SELECT count(*)::int AS n FROM search_outbox WHERE processed_at IS NULL')).rows[0]
      .n;

  it('creates the first physical index behind the write alias', () => {
    expect([...fake.indices.keys()]).toEqual([`${index}-v1`]);
    expect(fake.aliasesOf(`${index}-v1`)).toEqual({ [index]: { is_write_index: true } });
  });

  it('writes an outbox row with each POC change and indexes the current version', async () => {
    const created = await call<{ id: string }>(api.app, 'POST', '/api/v1/pocs', {
      token: owner.accessToken,
      body: { name: 'Kubernetes operator', language: 'Go', tags: ['k8s'] },
    });
    expect(await pending()).toBe(1);
    expect(await indexer.drainOnce()).toEqual({ processed: 1, failed: 0 });
    expect(await pending()).toBe(0);
    const doc = fake.documents(index).get(created.body.id);
    expect(doc).toMatchObject({
      version: 1,
      routing: owner.tenant.id,
      source: { tenant_id: owner.tenant.id, name: 'Kubernetes operator' },
    });
    expect(fake.aliasesOf(`${index}-v1`)[tenantAlias(index, owner.tenant.id)]).toEqual({
      filter: { term: { tenant_id: owner.tenant.id } },
      routing: owner.tenant.id,
    });

    await call(api.app, 'PATCH', `/api/v1/pocs/${created.body.id}`, {
      token: owner.accessToken,
      body: { name: 'K8s operator' },
    });
    await indexer.drainOnce();
    expect(fake.documents(index).get(created.body.id)).toMatchObject({ version: 2, source: { name: 'K8s operator' } });
  });

  it('is idempotent when a batch is delivered twice (at-least-once)', async () => {
    const created = await call<{ id: string }>(api.app, 'POST', '/api/v1/pocs', {
      token: owner.accessToken,
      body: { name: 'Twice', language: 'Go' },
    });
    await indexer.drainOnce();
    // A crash after OpenSearch answered but before the rows were marked: the batch comes again.
    await api.database.pool.query('UPDATE search_outbox SET processed_at = NULL WHERE poc_id = $1', [created.body.id]);
    expect(await indexer.drainOnce()).toEqual({ processed: 1, failed: 0 });
    expect(fake.documents(index).get(created.body.id)).toMatchObject({ version: 1, source: { name: 'Twice' } });
  });

  it('deletes documents and never resurrects them from a replayed upsert', async () => {
    const created = await call<{ id: string }>(api.app, 'POST', '/api/v1/pocs', {
      token: owner.accessToken,
      body: { name: 'Doomed', language: 'Go' },
    });
    await indexer.drainOnce();
    await call(api.app, 'DELETE', `/api/v1/pocs/${created.body.id}`, { token: owner.accessToken });
    await indexer.drainOnce();
    expect(fake.documents(index).has(created.body.id)).toBe(false);
    await api.database.pool.query('UPDATE search_outbox SET processed_at = NULL WHERE poc_id = $1', [created.body.id]);
    await indexer.drainOnce();
    expect(fake.documents(index).has(created.body.id)).toBe(false);
  });

  it('keeps failed changes pending and counts the attempt', async () => {
    const created = await call<{ id: string }>(api.app, 'POST', '/api/v1/pocs', {
      token: owner.accessToken,
      body: { name: 'Flaky', language: 'Go' },
    });
    fake.failingIds.add(created.body.id);
    expect(await indexer.drainOnce()).toEqual({ processed: 0, failed: 1 });
    const row = await api.database.pool.query('SELECT attempts, processed_at FROM search_outbox WHERE poc_id = $1', [
      created.body.id,
    ]);
    expect(row.rows).toEqual([{ attempts: 1, processed_at: null }]);
    fake.failingIds.delete(created.body.id);
    expect(await indexer.drainOnce()).toEqual({ processed: 1, failed: 0 });
    expect(fake.documents(index).has(created.body.id)).toBe(true);
  });

  it('reindex rebuilds every POC into a new index and moves every alias onto it', async () => {
    const other = await signUp(api.app, 'Outbox Other');
    await call(api.app, 'POST', '/api/v1/pocs', {
      token: other.accessToken,
      body: { name: 'Other tenant', language: 'Rust' },
    });
    const total = (await api.database.pool.query('SELECT count(*)::int AS n FROM pocs')).rows[0].n as number;
    const result = await indexer.reindex(2);
    expect(result.documents).toBe(total);
    expect([...fake.indices.keys()]).toEqual([result.index]);
    expect(fake.documents(index).size).toBe(total);
    const aliases = fake.aliasesOf(result.index);
    expect(aliases[index]).toEqual({ is_write_index: true });
    expect(aliases[tenantAlias(index, other.tenant.id)]).toMatchObject({ routing: other.tenant.id });
    expect(aliases[tenantAlias(index, owner.tenant.id)]).toMatchObject({ routing: owner.tenant.id });
  });

  it('searches through the tenant’s alias and answers in the API’s shape', async () => {
    const engine = createOpenSearchSearch(gateway, index);
    fake.searchAnswer = {
      hits: { hits: [{ _id: 'p_x', _score: 1, _source: { name: 'K8s operator', language: 'Go', tags: ['k8s'] } }] },
      aggregations: { languages: { buckets: [{ key: 'Go', doc_count: 1 }] }, tags: { values: { buckets: [] } } },
    };
    const result = await engine.search(owner.tenant.id, query({ q: 'k8s' }));
    expect(result.items.map((i) => i.name)).toEqual(['K8s operator']);
    expect(result.facets.languages).toEqual({ Go: 1 });
    const request = fake.requests.at(-1);
    expect(request?.path).toBe(`/${tenantAlias(index, owner.tenant.id)}/_search`);
    const empty = await engine.search('t_never_indexed', query({ q: 'k8s' }));
    expect(empty.items).toEqual([]);
  });
});
