import type { FastifyInstance, HTTPMethods } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, signUp, startTestApi, type SignedUp, type TestApi } from './api-harness.ts';

/**
 * Postgres text cannot hold U+0000, so a NUL in any string a request carries must come back as a 400
 * problem naming the field, never as a 500 from deep inside a query. The routes are enumerated from the
 * app itself (its route table, and the OpenAPI document for the inputs each documented route declares),
 * so a route added later is probed without anyone touching this file.
 */
const nul = 'a\u0000b';

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  format?: string;
  minimum?: number;
}

interface Operation {
  parameters?: Array<{ in: 'path' | 'query' | 'header'; name: string; schema: JsonSchema }>;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

interface Route {
  method: HTTPMethods;
  /** Fastify's form: `/api/v1/pocs/:id`, `/api/v1/files/*`. */
  path: string;
}

/** Every route the app serves, read from its route table (`printRoutes` draws the radix tree). */
function routesOf(app: FastifyInstance): Route[] {
  const segments: string[] = [];
  const routes: Route[] = [];
  for (const line of app.printRoutes().split('\n')) {
    const node = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!node) continue;
    const [, indent = '', segment = '', methods] = node;
    segments.length = indent.length / 4;
    segments.push(segment);
    for (const method of methods?.split(', ') ?? []) {
      // HEAD is Fastify's automatic twin of GET: same route, same inputs.
      if (method !== 'HEAD') routes.push({ method: method as HTTPMethods, path: segments.join('') });
    }
  }
  return routes;
}

/** A value of the schema's shape with every optional field present, so each string field can carry the NUL. */
function sample(schema: JsonSchema): unknown {
  const chosen = schema.anyOf?.find((option) => option.type !== 'null') ?? schema;
  if (chosen.enum) return chosen.enum[0];
  switch (chosen.type) {
    case 'object':
      return Object.fromEntries(Object.entries(chosen.properties ?? {}).map(([key, value]) => [key, sample(value)]));
    case 'array':
      return [sample(chosen.items ?? { type: 'string' })];
    case 'string':
      return chosen.format === 'uri' ? 'https://example.com/probe' : 'probe';
    case 'integer':
    case 'number':
      return chosen.minimum ?? 1;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

/** Dotted paths of the strings in a sample value (`tags.0`), the fields a NUL is put into one at a time. */
function stringFields(value: unknown, path = ''): string[] {
  if (typeof value === 'string') return [path];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => stringFields(item, path ? `${path}.${key}` : key));
}

function withNulAt(value: unknown, path: string[]): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return nul;
  const copy = structuredClone(value) as Record<string, unknown>;
  copy[key] = withNulAt(copy[key], rest);
  return copy;
}

interface Probe {
  route: Route;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  location: 'params' | 'querystring' | 'headers' | 'body';
  field: string;
}

const paramsOf = (path: string) => [...path.matchAll(/:(\w+)|\*/g)].map((match) => match[1] ?? '*');

/** The URL with every path parameter filled in, one of them (`nulParam`) with the NUL. */
function urlOf(path: string, values: Record<string, string>, nulParam?: string): string {
  return path.replace(/:(\w+)|\*/g, (_, name: string | undefined) =>
    encodeURIComponent(
      name === nulParam || (name === undefined && nulParam === '*') ? nul : (values[name ?? '*'] ?? 'probe'),
    ),
  );
}

function probesOf(route: Route, operation: Operation | undefined): Probe[] {
  const declared = operation?.parameters ?? [];
  // Numeric path parameters (`turn`) get a number so that only the probed parameter is wrong.
  const values = Object.fromEntries(
    declared.filter((p) => p.in === 'path').map((p) => [p.name, String(sample(p.schema))]),
  );
  const probes: Probe[] = paramsOf(route.path).map((param) => ({
    route,
    url: urlOf(route.path, values, param),
    location: 'params',
    field: param,
  }));
  const url = urlOf(route.path, values);
  // Undocumented routes declare nothing we can read; any query field is still an input they receive.
  const queryFields = operation ? declared.filter((p) => p.in === 'query').map((p) => p.name) : ['probe'];
  for (const field of queryFields) {
    probes.push({ route, url: `${url}?${field}=${encodeURIComponent(nul)}`, location: 'querystring', field });
  }
  // The header every route reads as data (the bearer token), before anything else reads it.
  probes.push({ route, url, headers: { authorization: `Bearer ${nul}` }, location: 'headers', field: 'authorization' });
  const bodySchema = operation?.requestBody?.content['application/json']?.schema;
  if (bodySchema) {
    const body = sample(bodySchema);
    for (const field of stringFields(body)) {
      probes.push({ route, url, body: withNulAt(body, field.split('.')), location: 'body', field });
    }
    // A NUL in a key is as unstorable as one in a value (jsonb columns keep keys).
    probes.push({ route, url, body: { ...(body as object), [nul]: 'probe' }, location: 'body', field: 'a\\u0000b' });
  }
  return probes;
}

interface ProblemBody {
  code?: string;
  errors?: Array<{ location: string; field: string }>;
}

/** The problem in a response body; empty when the body is not JSON (an HTML page, a file). */
function parsed(body: string): ProblemBody {
  try {
    return JSON.parse(body) as ProblemBody;
  } catch {
    return {};
  }
}

let api: TestApi;
let admin: SignedUp;
let probes: Probe[];

beforeAll(async () => {
  api = await startTestApi();
  admin = await signUp(api.app, 'Nul Co');
  const openapi = (
    await call<{ paths: Record<string, Record<string, Operation>> }>(api.app, 'GET', '/api/v1/openapi.json')
  ).body;
  probes = routesOf(api.app).flatMap((route) => {
    const documented = route.path.replace(/:(\w+)/g, '{$1}');
    return probesOf(route, openapi.paths[documented]?.[route.method.toLowerCase()]);
  });
});
afterAll(async () => {
  await api?.close();
});

describe('a NUL character in any string a request carries', () => {
  it('finds the routes to probe in the app itself, documented and undocumented', () => {
    const probed = new Set(probes.map((probe) => `${probe.route.method} ${probe.route.path}`));
    expect([...probed]).toEqual(
      expect.arrayContaining([
        'POST /api/v1/dojos',
        'PATCH /api/v1/pocs/:id',
        'GET /api/v1/dojos/:id/history/:turn',
        'GET /api/v1/share/videos/:token/card.png',
        'GET /api/v1/files/*',
        'GET /healthz',
      ]),
    );
    expect(probes.filter((probe) => probe.location === 'body').length).toBeGreaterThan(20);
  });

  it('is refused with a 400 problem naming the field, on every route and in every place', async () => {
    const outcomes = [];
    for (const probe of probes) {
      const response = await api.app.inject({
        method: probe.route.method,
        url: probe.url,
        headers: { authorization: `Bearer ${admin.accessToken}`, ...probe.headers },
        ...(probe.body !== undefined && { payload: probe.body as Record<string, unknown> }),
      });
      const problem = parsed(response.body);
      outcomes.push({
        request: `${probe.route.method} ${probe.url} (${probe.location} ${probe.field})`,
        status: response.statusCode,
        contentType: response.headers['content-type'],
        code: problem.code,
        namesTheField: problem.errors?.some((e) => e.location === probe.location && e.field === probe.field) ?? false,
      });
    }
    const expected = outcomes.map(({ request }) => ({
      request,
      status: 400,
      contentType: 'application/problem+json',
      code: 'invalid',
      namesTheField: true,
    }));
    expect(outcomes).toEqual(expected);
  });

  it('says in the problem detail which field holds the NUL', async () => {
    const reply = await call<{ detail: string }>(api.app, 'POST', '/api/v1/dojos', {
      token: admin.accessToken,
      body: { title: nul, format: 'kata', language: 'Go' },
    });
    expect(reply.body.detail).toBe('text must not contain NUL (U+0000) characters: body field "title"');
  });

  it('leaves nothing behind, and the same request without the NUL still succeeds', async () => {
    const dojos = await call<{ items: unknown[] }>(api.app, 'GET', '/api/v1/dojos', { token: admin.accessToken });
    expect(dojos.body.items).toEqual([]);
    const created = await call(api.app, 'POST', '/api/v1/dojos', {
      token: admin.accessToken,
      body: { title: 'ab', format: 'kata', language: 'Go' },
    });
    expect(created.status).toBe(201);
  });
});
