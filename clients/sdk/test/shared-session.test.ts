/**
 * Clients that share one stored session, as a browser's tabs do (issue 16): across a real access-token
 * expiry they refresh once between them and all keep working, because a refresh token presented twice
 * revokes the whole login. Against the real API with two-second access tokens (a JWT's `exp` is in whole
 * seconds, so a token lives between one and two).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '@pocdojo/api/testing/api-harness';
import { ApiClient, type Session, type SessionChange, type SharedSession } from '../src/api-client.ts';

const password = 'correct horse battery';

/**
 * What the web app does with IndexedDB and the Web Locks API, in memory: one store, one lock. A write
 * takes a while to land, as a database transaction does, and is seen by reads only once it has.
 */
function sharedStore() {
  let stored: Session | undefined;
  let tail: Promise<unknown> = Promise.resolve();
  const shared: SharedSession = {
    read: () => Promise.resolve(stored && structuredClone(stored)),
    write: (session) =>
      new Promise((landed) =>
        setTimeout(() => {
          stored = session;
          landed();
        }, 30),
      ),
    exclusive(work) {
      const turn = tail.then(work);
      tail = turn.catch(() => undefined);
      return turn;
    },
  };
  return { shared, current: () => stored };
}

/** A client on the shared store, like a tab. */
async function tab(origin: string, store: ReturnType<typeof sharedStore>, fetchImpl: typeof fetch) {
  const changes: SessionChange[] = [];
  const client = new ApiClient({
    baseUrl: origin,
    session: await store.shared.read(),
    shared: store.shared,
    fetch: fetchImpl,
    onSession: (_session, change) => changes.push(change),
  });
  return { client, changes };
}

const expiry = () => new Promise((resolve) => setTimeout(resolve, 2_100));

describe('ApiClients sharing one session', () => {
  let api: TestApi;
  let origin: string;
  const refreshes: string[] = [];
  /** Counts the refresh requests every client sends. */
  const countingFetch: typeof fetch = (input, init) => {
    if (String(input).endsWith('/auth/refresh')) refreshes.push(String(init?.body));
    return fetch(input, init);
  };

  beforeAll(async () => {
    api = await startTestApi({ env: { API_ACCESS_TOKEN_TTL: '2s' } });
    origin = await api.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await api?.close();
  });

  async function signedInStore(team: string) {
    const store = sharedStore();
    const first = await tab(origin, store, countingFetch);
    const signedUp = await first.client.signup({ tenantName: team, email: `ada@${team}.test`, password });
    expect(signedUp.ok).toBe(true);
    await new Promise((landed) => setTimeout(landed, 50));
    return { store, first, second: await tab(origin, store, countingFetch) };
  }

  it('refresh once between them across an expiry, and both keep working', async () => {
    const { first, second } = await signedInStore('two-tabs');
    for (let round = 0; round < 2; round += 1) {
      await expiry();
      refreshes.length = 0;
      const [a, b] = await Promise.all([first.client.listPocs(), second.client.listPocs()]);
      expect([a, b]).toMatchObject([{ ok: true }, { ok: true }]);
      expect(refreshes).toHaveLength(1);
      expect(second.client.session?.refreshToken).toBe(first.client.session?.refreshToken);
    }
    expect([...first.changes, ...second.changes].filter((change) => change === 'refreshed')).toHaveLength(2);
  });

  it('adopt a sign-out of the other: the next call finds no session and sends no refresh', async () => {
    const { first, second } = await signedInStore('sign-out');
    await first.client.logout();
    await expiry();
    refreshes.length = 0;
    const refused = await second.client.listPocs();
    expect(refused).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(second.client.session).toBeUndefined();
    expect(second.changes.at(-1)).toBe('adopted');
    expect(refreshes).toEqual([]);
  });

  it('keep a sign-out made while the other one was refreshing', async () => {
    const { second, store } = await signedInStore('sign-out-mid-refresh');
    let refreshSent = () => {};
    const sent = new Promise<void>((resolve) => (refreshSent = resolve));
    let answerRefresh = () => {};
    const answered = new Promise<void>((resolve) => (answerRefresh = resolve));
    // This tab's refresh reaches the API (which rotates the token) but its answer is held back.
    const slow = await tab(origin, store, async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).endsWith('/auth/refresh')) {
        refreshSent();
        await answered;
      }
      return response;
    });
    await expiry();
    const call = slow.client.listPocs();
    await sent;
    await second.client.logout();
    answerRefresh();
    expect(await call).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(slow.client.session).toBeUndefined();
    expect(await store.shared.read()).toBeUndefined();
  });

  it('end the session when the API refuses the refresh (signed out on another device)', async () => {
    const { first, store } = await signedInStore('revoked');
    const elsewhere = new ApiClient({ baseUrl: origin, session: store.current() });
    await elsewhere.logout();
    await expiry();
    const refused = await first.client.listPocs();
    expect(refused).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(refused.ok || refused.error.reason).toBeUndefined();
    expect(first.changes.at(-1)).toBe('ended');
    expect(await store.shared.read()).toBeUndefined();
  });

  it('say the session ended because the person was erased, which signing in again cannot mend', async () => {
    const { first: admin } = await signedInStore('erasure');
    const added = await admin.client.createUser({
      email: 'zoe@erasure.test',
      displayName: 'Zoe',
      roles: ['participant'],
      password,
    });
    if (!added.ok) throw new Error(added.error.message);
    const zoeStore = sharedStore();
    const zoe = await tab(origin, zoeStore, fetch);
    expect(await zoe.client.login({ email: 'zoe@erasure.test', password })).toMatchObject({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await admin.client.erasePerson(added.value.id, { pocs: 'delete' })).toMatchObject({ ok: true });
    await expiry();
    expect(await zoe.client.listPocs()).toMatchObject({
      ok: false,
      error: { code: 'unauthorized', reason: 'account_erased' },
    });
    expect(zoe.changes.at(-1)).toBe('erased');
    expect(await zoe.client.listDojos()).toMatchObject({
      ok: false,
      error: { code: 'unauthorized', reason: 'account_erased' },
    });
    expect(await zoeStore.shared.read()).toBeUndefined();
  });
});
