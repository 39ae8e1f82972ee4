import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signUp, startTestApi, type SignedUp, type TestApi } from './api-harness.ts';

interface Hit {
  id: string;
  name: string;
  language: string;
  tags: string[];
  score: number;
  highlights: { name?: string; description?: string };
}
interface Result {
  items: Hit[];
  facets: { languages: Record<string, number>; tags: Record<string, number> };
  tookMs: number;
}

let api: TestApi;
let owner: SignedUp;

const catalogue = [
  {
    name: 'Kubernetes operator',
    description: 'Reconciles dojo rooms on a cluster',
    language: 'Go',
    tags: ['k8s', 'operator'],
  },
  {
    name: 'Kubernetes dashboard',
    description: 'A read-only view of pods',
    language: 'TypeScript',
    tags: ['k8s', 'web'],
  },
  { name: 'Operator pattern notes', description: 'Why controllers loop', language: 'Go', tags: ['notes'] },
  {
    name: 'Realtime chat',
    description: 'WebSocket chat with presence',
    language: 'TypeScript',
    tags: ['websocket', 'web'],
  },
  {
    name: 'Rust parser',
    description: 'A <b>fast</b> parser for kubernetes manifests',
    language: 'Rust',
    tags: ['parser'],
  },
  { name: 'Payment gateway', description: 'Stripe integration spike', language: 'Java', tags: ['payments'] },
];

const search = async (qs: string) =>
  (await call<Result>(api.app, 'GET', `/api/v1/search/pocs?${qs}`, { token: owner.accessToken })).body;
const names = (result: Result) => result.items.map((hit) => hit.name);

beforeAll(async () => {
  api = await startTestApi();
  owner = await signUp(api.app, 'Search Co');
  for (const poc of catalogue) {
    const reply = await call(api.app, 'POST', '/api/v1/pocs', { token: owner.accessToken, body: poc });
    if (reply.status !== 201) throw new Error(JSON.stringify(reply.body));
  }
});
afterAll(async () => {
  await api?.close();
});

describe('POC search on Postgres', () => {
  it('ranks an exact name match first', async () => {
    const result = await search('q=Kubernetes%20operator');
    expect(result.items[0]?.name).toBe('Kubernetes operator');
    expect(result.items[0]?.score).toBeGreaterThan(result.items[1]?.score ?? 0);
  });

  it('matches prefixes as the user types', async () => {
    expect(names(await search('q=kube'))).toEqual(
      expect.arrayContaining(['Kubernetes operator', 'Kubernetes dashboard', 'Rust parser']),
    );
    expect(names(await search('q=kubernetes%20op'))[0]).toBe('Kubernetes operator');
    expect(names(await search('q=realt'))).toEqual(['Realtime chat']);
  });

  it('tolerates typos', async () => {
    const result = await search('q=kubernets');
    expect(names(result)).toContain('Kubernetes operator');
    expect(names(result)).toContain('Kubernetes dashboard');
    expect(names(await search('q=oprator'))).toContain('Kubernetes operator');
  });

  it('ranks name matches above description matches', async () => {
    const result = await search('q=kubernetes');
    expect(names(result).indexOf('Rust parser')).toBeGreaterThan(names(result).indexOf('Kubernetes dashboard'));
  });

  it('filters by language, case-insensitively', async () => {
    const result = await search('q=kubernetes&language=go');
    expect(names(result)).toEqual(['Kubernetes operator']);
  });

  it('filters by tags, all of them required, and normalises them', async () => {
    expect(names(await search('q=kubernetes&tags=K8S,web'))).toEqual(['Kubernetes dashboard']);
    expect(names(await search('tags=web')).sort()).toEqual(['Kubernetes dashboard', 'Realtime chat']);
  });

  it('lists everything that matches the filters newest first when q is empty', async () => {
    const result = await search('language=TypeScript');
    expect(names(result)).toEqual(['Realtime chat', 'Kubernetes dashboard']);
    expect(result.items.every((hit) => hit.score === 0)).toBe(true);
    expect(names(await search(''))).toEqual([...catalogue].reverse().map((poc) => poc.name));
  });

  it('counts languages and tags over every match, not only the page', async () => {
    const result = await search('q=kube&limit=1');
    expect(result.items).toHaveLength(1);
    expect(result.facets.languages).toEqual({ Go: 1, TypeScript: 1, Rust: 1 });
    expect(result.facets.tags).toEqual({ k8s: 2, operator: 1, web: 1, parser: 1 });
  });

  it('keeps counting the other languages when one language is chosen', async () => {
    const result = await search('q=kube&language=go');
    expect(names(result)).toEqual(['Kubernetes operator']);
    expect(result.facets.languages).toEqual({ Go: 1, TypeScript: 1, Rust: 1 });
    // Tags count what the chosen language finds: they narrow the list further.
    expect(result.facets.tags).toEqual({ k8s: 1, operator: 1 });
  });

  it('counts languages within the chosen tags', async () => {
    const result = await search('tags=k8s&language=Go');
    expect(names(result)).toEqual(['Kubernetes operator']);
    expect(result.facets.languages).toEqual({ Go: 1, TypeScript: 1 });
    expect(result.facets.tags).toEqual({ k8s: 1, operator: 1 });
  });

  it('highlights matched words with <mark> in escaped text', async () => {
    const result = await search('q=kubernetes');
    const operator = result.items.find((hit) => hit.name === 'Kubernetes operator');
    expect(operator?.highlights.name).toBe('<mark>Kubernetes</mark> operator');
    const parser = result.items.find((hit) => hit.name === 'Rust parser');
    expect(parser?.highlights.description).toContain('parser for <mark>kubernetes</mark> manifests');
    expect(parser?.highlights.name).toBeUndefined();
    await call(api.app, 'POST', '/api/v1/pocs', {
      token: owner.accessToken,
      body: { name: 'Sneaky <img src=x onerror=alert(1)> widget', language: 'HTML' },
    });
    const sneaky = await search('q=sneaky');
    expect(sneaky.items[0]?.highlights.name).toBe('<mark>Sneaky</mark> &lt;img src=x onerror=alert(1)&gt; widget');
  });

  it('returns the contract shape with the time taken', async () => {
    const result = await search('q=chat');
    expect(result.items[0]).toEqual({
      id: expect.stringMatching(/^p_/),
      name: 'Realtime chat',
      language: 'TypeScript',
      tags: ['websocket', 'web'],
      score: expect.any(Number),
      highlights: { name: 'Realtime <mark>chat</mark>', description: 'WebSocket <mark>chat</mark> with presence' },
    });
    expect(result.tookMs).toBeGreaterThanOrEqual(0);
  });

  it('finds nothing for words that are nowhere', async () => {
    const result = await search('q=zzzzqqq');
    expect(result).toMatchObject({ items: [], facets: { languages: {}, tags: {} } });
  });

  it('treats query operators as plain words', async () => {
    const result = await search(`q=${encodeURIComponent("kube:* | ! & ' ) (")}`);
    expect(names(result)).toContain('Kubernetes operator');
  });

  it('follows renames and deletes immediately', async () => {
    const created = await call<{ id: string }>(api.app, 'POST', '/api/v1/pocs', {
      token: owner.accessToken,
      body: { name: 'Quantum toaster', language: 'Python' },
    });
    expect(names(await search('q=quantum'))).toEqual(['Quantum toaster']);
    await call(api.app, 'PATCH', `/api/v1/pocs/${created.body.id}`, {
      token: owner.accessToken,
      body: { name: 'Classical toaster' },
    });
    expect(names(await search('q=quantum'))).toEqual([]);
    await call(api.app, 'DELETE', `/api/v1/pocs/${created.body.id}`, { token: owner.accessToken });
    expect(names(await search('q=toaster'))).toEqual([]);
  });

  it('validates its query', async () => {
    const tooLong = await call(api.app, 'GET', `/api/v1/search/pocs?q=${'x'.repeat(201)}`, {
      token: owner.accessToken,
    });
    expect(tooLong.status).toBe(400);
    const unknown = await call(api.app, 'GET', '/api/v1/search/pocs?sort=name', { token: owner.accessToken });
    expect(unknown.status).toBe(400);
    const badTag = await call(api.app, 'GET', '/api/v1/search/pocs?tags=%3Cscript%3E', { token: owner.accessToken });
    expect(badTag.status).toBe(400);
  });
});
