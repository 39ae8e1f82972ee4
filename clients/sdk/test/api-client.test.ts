import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '@pocdojo/api/testing/api-harness';
import { ApiClient, type Session } from '../src/api-client.ts';

describe('ApiClient against the real REST API', () => {
  let api: TestApi;
  let origin: string;
  let client: ApiClient;
  const sessions: (Session | undefined)[] = [];

  beforeAll(async () => {
    api = await startTestApi();
    origin = await api.app.listen({ port: 0, host: '127.0.0.1' });
    client = new ApiClient({ baseUrl: origin, onSession: (session) => sessions.push(session) });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('signs up and keeps the session for the following calls', async () => {
    const signedUp = await client.signup({
      tenantName: 'SDK Team',
      email: 'ada@sdk.test',
      password: 'correct horse battery',
      displayName: 'Ada',
    });
    expect(signedUp.ok).toBe(true);
    expect(client.session?.user).toMatchObject({
      email: 'ada@sdk.test',
      roles: expect.arrayContaining(['admin', 'facilitator']),
    });
    expect(sessions.at(-1)).toBe(client.session);
  });

  it('creates a POC and finds it by a typo, with facets', async () => {
    const created = await client.createPoc({ name: 'Kubernetes operator', language: 'go', tags: ['K8s', 'operator'] });
    expect(created).toMatchObject({
      ok: true,
      value: { name: 'Kubernetes operator', tags: ['k8s', 'operator'], status: 'idea' },
    });
    const found = await client.searchPocs({ q: 'kubernets' });
    expect(found.ok && found.value.items.map((item) => item.name)).toEqual(['Kubernetes operator']);
    expect(found.ok && found.value.facets.languages).toEqual({ go: 1 });
  });

  it('returns validation failures as values with field messages', async () => {
    const refused = await client.createPoc({ name: '', language: 'go' });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error).toMatchObject({ code: 'invalid', status: 400 });
    expect(Object.keys(refused.error.fields)).toContain('name');
  });

  it('maps a missing resource to not_found', async () => {
    const missing = await client.getPoc('00000000-0000-4000-8000-000000000000');
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found', status: 404 } });
  });

  it('refreshes a rejected access token once and retries the call', async () => {
    const before = client.session;
    if (!before) throw new Error('signed in above');
    client.session = { ...before, accessToken: 'not-a-token' };
    const listed = await client.listPocs();
    expect(listed.ok).toBe(true);
    expect(client.session?.accessToken).not.toBe('not-a-token');
    expect(client.session?.refreshToken).not.toBe(before.refreshToken);
  });

  it('opens a dojo and joins it with a collaboration token for its three documents', async () => {
    const dojo = await client.createDojo({ title: 'Operator kata', format: 'randori', language: 'go' });
    expect(dojo.ok).toBe(true);
    if (!dojo.ok) return;
    const joined = await client.joinDojo(dojo.value.id);
    expect(joined).toMatchObject({ ok: true, value: { role: 'facilitator', documents: dojo.value.documents } });
    expect(dojo.value.documents.code).toMatch(/\/dojo\/.+\/code$/);
  });

  it('signs in from the email alone, choosing between the teams the password opens', async () => {
    const second = await new ApiClient({ baseUrl: origin }).signup({
      tenantName: 'SDK Team',
      email: 'ada@sdk.test',
      password: 'correct horse battery',
    });
    expect(second).toMatchObject({ ok: true, value: { slugSuffixed: true } });
    if (!second.ok) return;
    const person = new ApiClient({ baseUrl: origin });
    expect(await person.signInMethods('ada@sdk.test')).toEqual({
      ok: true,
      value: { methods: [{ kind: 'password' }] },
    });
    const choice = await person.login({ email: 'ada@sdk.test', password: 'correct horse battery' });
    expect(choice).toMatchObject({ ok: true, value: { kind: 'chooseTeam' } });
    if (!choice.ok || choice.value.kind !== 'chooseTeam') return;
    expect(choice.value.teams.map((team) => team.name)).toEqual(['SDK Team', 'SDK Team']);
    expect(person.session).toBeUndefined();
    const chosen = await person.login({
      email: 'ada@sdk.test',
      password: 'correct horse battery',
      tenant: second.value.session.tenant.slug,
    });
    expect(chosen).toMatchObject({ ok: true, value: { kind: 'signedIn' } });
    expect(person.session?.tenant).toEqual(second.value.session.tenant);
    const wrong = await person.login({ email: 'ada@sdk.test', password: 'not the password' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'unauthorized', message: 'email or password is wrong' } });
  });

  it('reports an unreachable server as unavailable', async () => {
    const offline = new ApiClient({ baseUrl: 'http://127.0.0.1:9' });
    expect(await offline.searchPocs({ q: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'unavailable', status: 0 },
    });
  });
});
