import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, call, signUp, startTestApi, type SignedUp, type TestApi } from './api-harness.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

interface Poc {
  id: string;
  name: string;
  description: string | null;
  language: string;
  tags: string[];
  repoUrl: string | null;
  status: string;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
}

describe('auth', () => {
  it('signup creates a tenant whose first user is admin and facilitator', async () => {
    const reply = await call<SignedUp>(api.app, 'POST', '/api/v1/auth/signup', {
      body: { tenantName: 'Mr Bill’s Tools', email: ' Bill@Example.com ', password: 'correct horse battery' },
    });
    expect(reply.status).toBe(201);
    expect(reply.body.tenant).toMatchObject({ name: 'Mr Bill’s Tools', slug: 'mr-bill-s-tools' });
    expect(reply.body.tenant.id).toMatch(/^t_[a-z0-9]{16}$/);
    expect(reply.body.user).toMatchObject({
      email: 'bill@example.com',
      displayName: 'bill',
      roles: ['admin', 'facilitator'],
    });
    const claims = decodeJwt(reply.body.accessToken);
    expect(claims).toMatchObject({
      sub: reply.body.user.id,
      tid: reply.body.tenant.id,
      roles: ['admin', 'facilitator'],
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(15 * 60);
    await expect(api.identity.verifier.verify(reply.body.accessToken)).resolves.toMatchObject({
      tid: reply.body.tenant.id,
    });
  });

  it('gives a second tenant with the same name its own slug', async () => {
    const first = await signUp(api.app, 'Same Name');
    const second = await signUp(api.app, 'Same Name');
    expect(first.tenant.slug).toBe('same-name');
    expect(second.tenant.slug).toMatch(/^same-name-[0-9a-f]{6}$/);
    expect(second.tenant.id).not.toBe(first.tenant.id);
  });

  it('logs in by tenant slug, email and password', async () => {
    const admin = await signUp(api.app, 'Login Co');
    const reply = await call<SignedUp>(api.app, 'POST', '/api/v1/auth/login', {
      body: { tenant: admin.tenant.slug, email: admin.user.email, password: 'correct horse battery' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.user).toEqual(admin.user);
    expect(reply.body.tenant).toEqual(admin.tenant);
    expect(reply.body.refreshToken).not.toBe(admin.refreshToken);
  });

  it('also accepts the tenant id in place of the slug', async () => {
    const admin = await signUp(api.app, 'Id Login Co');
    const reply = await call<SignedUp>(api.app, 'POST', '/api/v1/auth/login', {
      body: { tenant: admin.tenant.id, email: admin.user.email, password: 'correct horse battery' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.tenant).toEqual(admin.tenant);
  });

  it('answers a wrong password and an unknown user with the same 401', async () => {
    const admin = await signUp(api.app, 'Secret Co');
    const wrongPassword = await call(api.app, 'POST', '/api/v1/auth/login', {
      body: { tenant: admin.tenant.slug, email: admin.user.email, password: 'not the password' },
    });
    const unknownUser = await call(api.app, 'POST', '/api/v1/auth/login', {
      body: { tenant: admin.tenant.slug, email: 'nobody@example.com', password: 'not the password' },
    });
    const unknownTenant = await call(api.app, 'POST', '/api/v1/auth/login', {
      body: { tenant: 'no-such-tenant', email: admin.user.email, password: 'correct horse battery' },
    });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.headers['content-type']).toContain('application/problem+json');
    expect(unknownUser).toMatchObject({ status: 401, body: wrongPassword.body });
    expect(unknownTenant).toMatchObject({ status: 401, body: wrongPassword.body });
  });

  it('rotates refresh tokens: the new pair works, the old token is spent', async () => {
    const admin = await signUp(api.app, 'Rotate Co');
    const rotated = await call<SignedUp>(api.app, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: admin.refreshToken },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refreshToken).not.toBe(admin.refreshToken);
    expect(rotated.body.user).toEqual(admin.user);
    const again = await call<SignedUp>(api.app, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: rotated.body.refreshToken },
    });
    expect(again.status).toBe(200);
    const pocs = await call(api.app, 'GET', '/api/v1/pocs', { token: again.body.accessToken });
    expect(pocs.status).toBe(200);
  });

  it('revokes the whole family when a spent refresh token is presented again', async () => {
    const admin = await signUp(api.app, 'Reuse Co');
    const first = await call<SignedUp>(api.app, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: admin.refreshToken },
    });
    const reuse = await call(api.app, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: admin.refreshToken } });
    expect(reuse.status).toBe(401);
    expect(reuse.body).toMatchObject({ code: 'unauthorized', detail: expect.stringContaining('already used') });
    // The thief and the victim both lose the chain: the newest token of the family is dead too.
    const newest = await call(api.app, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: first.body.refreshToken },
    });
    expect(newest.status).toBe(401);
    // Another login of the same user is another family and keeps working.
    const login = await call<SignedUp>(api.app, 'POST', '/api/v1/auth/login', {
      body: { tenant: admin.tenant.slug, email: admin.user.email, password: 'correct horse battery' },
    });
    const other = await call(api.app, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: login.body.refreshToken },
    });
    expect(other.status).toBe(200);
  });

  it('stores only hashes of refresh tokens', async () => {
    const admin = await signUp(api.app, 'Hash Co');
    const { rows } = await api.database.pool.query<{ token_hash: string }>(
      'SELECT token_hash FROM refresh_tokens WHERE tenant_id = $1',
      [admin.tenant.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(admin.refreshToken.split('.')[1]);
  });

  it('logout revokes the refresh token', async () => {
    const admin = await signUp(api.app, 'Logout Co');
    const logout = await call(api.app, 'POST', '/api/v1/auth/logout', { body: { refreshToken: admin.refreshToken } });
    expect(logout.status).toBe(204);
    const refresh = await call(api.app, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: admin.refreshToken } });
    expect(refresh.status).toBe(401);
    // Signed out, not erased: no reason beyond the code.
    expect(refresh.body).not.toHaveProperty('reason');
  });

  it('rejects garbage refresh tokens with 401', async () => {
    for (const refreshToken of ['nonsense', 't_abc.def', '../etc.passwd']) {
      const reply = await call(api.app, 'POST', '/api/v1/auth/refresh', { body: { refreshToken } });
      expect(reply.status).toBe(401);
    }
  });

  it('publishes the signing keys at /.well-known/jwks.json', async () => {
    const reply = await call<{ keys: { kid: string; kty: string }[] }>(api.app, 'GET', '/.well-known/jwks.json');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(api.identity.jwks);
    expect(reply.headers['cache-control']).toBe('public, max-age=300');
    expect(reply.body.keys[0]).toMatchObject({ kty: 'OKP' });
  });

  it('requires a valid bearer token on the API', async () => {
    expect((await call(api.app, 'GET', '/api/v1/pocs')).status).toBe(401);
    expect((await call(api.app, 'GET', '/api/v1/pocs', { token: 'not-a-jwt' })).status).toBe(401);
  });

  it('refuses dojo collaboration tokens on the REST API', async () => {
    const admin = await signUp(api.app, 'Token Scope Co');
    const dojo = await call<{ id: string }>(api.app, 'POST', '/api/v1/dojos', {
      token: admin.accessToken,
      body: { title: 'Kata', format: 'kata', language: 'TypeScript' },
    });
    const join = await call<{ token: string }>(api.app, 'POST', `/api/v1/dojos/${dojo.body.id}/join`, {
      token: admin.accessToken,
    });
    expect((await call(api.app, 'GET', '/api/v1/pocs', { token: join.body.token })).status).toBe(401);
  });
});

describe('users', () => {
  it('lets an admin add and list users, and nobody else', async () => {
    const admin = await signUp(api.app, 'Users Co');
    const created = await call(api.app, 'POST', '/api/v1/users', {
      token: admin.accessToken,
      body: {
        email: 'Pat@Example.com',
        displayName: 'Pat',
        roles: ['participant'],
        password: 'a long enough password',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'pat@example.com', displayName: 'Pat', roles: ['participant'] });
    expect(created.body).not.toHaveProperty('passwordHash');

    const list = await call<{ items: { email: string }[] }>(api.app, 'GET', '/api/v1/users', {
      token: admin.accessToken,
    });
    expect(list.body.items.map((u) => u.email)).toEqual([admin.user.email, 'pat@example.com']);

    const pat = await call<SignedUp>(api.app, 'POST', '/api/v1/auth/login', {
      body: { tenant: admin.tenant.slug, email: 'pat@example.com', password: 'a long enough password' },
    });
    expect(pat.status).toBe(200);
    expect((await call(api.app, 'GET', '/api/v1/users', { token: pat.body.accessToken })).status).toBe(403);
    const forbidden = await call(api.app, 'POST', '/api/v1/users', {
      token: pat.body.accessToken,
      body: { email: 'x@example.com', displayName: 'X', roles: ['admin'], password: 'a long enough password' },
    });
    expect(forbidden.status).toBe(403);
  });

  it('answers a duplicate email with 409', async () => {
    const admin = await signUp(api.app, 'Dup Co');
    const duplicate = await call(api.app, 'POST', '/api/v1/users', {
      token: admin.accessToken,
      body: {
        email: admin.user.email,
        displayName: 'Again',
        roles: ['participant'],
        password: 'a long enough password',
      },
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ code: 'conflict' });
  });
});

describe('POCs', () => {
  let admin: SignedUp;
  beforeAll(async () => {
    admin = await signUp(api.app, 'POC Co');
  });

  it('creates a POC with normalised tags and returns it with id, owner and timestamps', async () => {
    const reply = await call<Poc>(api.app, 'POST', '/api/v1/pocs', {
      token: admin.accessToken,
      body: {
        name: '  Kubernetes operator ',
        description: 'Reconciles dojo rooms',
        language: 'Go',
        tags: [' K8s', 'k8s', 'Operators ', ''],
        repoUrl: 'https://example.com/op.git',
        status: 'active',
      },
    });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      name: 'Kubernetes operator',
      description: 'Reconciles dojo rooms',
      language: 'Go',
      tags: ['k8s', 'operators'],
      repoUrl: 'https://example.com/op.git',
      status: 'active',
      ownerId: admin.user.id,
    });
    expect(reply.body.id).toMatch(/^p_/);
    expect(Date.parse(reply.body.createdAt)).not.toBeNaN();
    expect(reply.body.updatedAt).toBe(reply.body.createdAt);

    const fetched = await call<Poc>(api.app, 'GET', `/api/v1/pocs/${reply.body.id}`, { token: admin.accessToken });
    expect(fetched.body).toEqual(reply.body);
  });

  it('defaults status to idea and optional fields to null', async () => {
    const reply = await call<Poc>(api.app, 'POST', '/api/v1/pocs', {
      token: admin.accessToken,
      body: { name: 'Minimal', language: 'Rust' },
    });
    expect(reply.body).toMatchObject({ status: 'idea', description: null, repoUrl: null, tags: [] });
  });

  it('patches some fields, clears others with null, and bumps updatedAt', async () => {
    const created = await call<Poc>(api.app, 'POST', '/api/v1/pocs', {
      token: admin.accessToken,
      body: { name: 'Patch me', language: 'Go', description: 'old', repoUrl: 'https://example.com/a' },
    });
    const patched = await call<Poc>(api.app, 'PATCH', `/api/v1/pocs/${created.body.id}`, {
      token: admin.accessToken,
      body: { status: 'done', description: null, tags: ['Done'] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Patch me', status: 'done', description: null, tags: ['done'] });
    expect(patched.body.repoUrl).toBe('https://example.com/a');
    expect(Date.parse(patched.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));
  });

  it('deletes a POC, after which it is 404', async () => {
    const created = await call<Poc>(api.app, 'POST', '/api/v1/pocs', {
      token: admin.accessToken,
      body: { name: 'Short lived', language: 'Go' },
    });
    expect(
      (await call(api.app, 'DELETE', `/api/v1/pocs/${created.body.id}`, { token: admin.accessToken })).status,
    ).toBe(204);
    const gone = await call(api.app, 'GET', `/api/v1/pocs/${created.body.id}`, { token: admin.accessToken });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ status: 404, code: 'not_found', type: 'urn:pocdojo:problem:not_found' });
  });

  it('lets only the owner or an admin change a POC, and observers create nothing', async () => {
    const alice = await addUser(api.app, admin, ['participant']);
    const bob = await addUser(api.app, admin, ['participant']);
    const watcher = await addUser(api.app, admin, ['observer']);
    const own = await call<Poc>(api.app, 'POST', '/api/v1/pocs', {
      token: alice.accessToken,
      body: { name: 'Alice owns this', language: 'Go' },
    });
    expect(own.body.ownerId).toBe(alice.user.id);
    const byBob = await call(api.app, 'PATCH', `/api/v1/pocs/${own.body.id}`, {
      token: bob.accessToken,
      body: { name: 'Bob was here' },
    });
    expect(byBob.status).toBe(403);
    expect((await call(api.app, 'DELETE', `/api/v1/pocs/${own.body.id}`, { token: bob.accessToken })).status).toBe(403);
    const byAdmin = await call(api.app, 'PATCH', `/api/v1/pocs/${own.body.id}`, {
      token: admin.accessToken,
      body: { status: 'active' },
    });
    expect(byAdmin.status).toBe(200);
    const byObserver = await call(api.app, 'POST', '/api/v1/pocs', {
      token: watcher.accessToken,
      body: { name: 'Nope', language: 'Go' },
    });
    expect(byObserver.status).toBe(403);
    expect((await call(api.app, 'GET', `/api/v1/pocs/${own.body.id}`, { token: watcher.accessToken })).status).toBe(
      200,
    );
  });

  it('lists newest first with filters and walks every page with the cursor', async () => {
    const owner = await signUp(api.app, 'List Co');
    const names: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      const name = `List ${i}`;
      names.push(name);
      await call(api.app, 'POST', '/api/v1/pocs', {
        token: owner.accessToken,
        body: {
          name,
          language: i % 2 === 0 ? 'TypeScript' : 'Go',
          tags: i % 3 === 0 ? ['web'] : [],
          status: i < 2 ? 'done' : 'active',
        },
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { body: { items: Poc[]; nextCursor: string | null } } = await call(
        api.app,
        'GET',
        `/api/v1/pocs?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        { token: owner.accessToken },
      );
      seen.push(...page.body.items.map((p) => p.name));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...names].reverse());

    const query = async (qs: string) =>
      (await call<{ items: Poc[] }>(api.app, 'GET', `/api/v1/pocs?${qs}`, { token: owner.accessToken })).body.items.map(
        (p) => p.name,
      );
    expect(await query('language=typescript')).toEqual(['List 6', 'List 4', 'List 2', 'List 0']);
    expect(await query('tag=WEB')).toEqual(['List 6', 'List 3', 'List 0']);
    expect(await query('status=done')).toEqual(['List 1', 'List 0']);
    expect(await query(`owner=${owner.user.id}&language=Go&status=active`)).toEqual(['List 5', 'List 3']);
    expect(await query(`year=${new Date().getUTCFullYear()}&limit=100`)).toHaveLength(7);
    expect(await query('year=2001')).toEqual([]);
    expect(await query('owner=u_nobody')).toEqual([]);
  });

  it('rejects a cursor it did not issue', async () => {
    const reply = await call(api.app, 'GET', '/api/v1/pocs?cursor=bm9wZQ', { token: admin.accessToken });
    expect(reply.status).toBe(400);
  });
});

describe('bad input', () => {
  it('answers validation failures with problem+json and field-level errors', async () => {
    const admin = await signUp(api.app, 'Validation Co');
    const reply = await call(api.app, 'POST', '/api/v1/pocs', {
      token: admin.accessToken,
      body: { name: '', language: 'Go', status: 'finished', repoUrl: 'ftp://example.com', sneaky: true },
    });
    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toContain('application/problem+json');
    expect(reply.body).toMatchObject({
      type: 'urn:pocdojo:problem:invalid',
      title: 'Invalid request',
      status: 400,
      code: 'invalid',
      instance: '/api/v1/pocs',
    });
    const fields = (reply.body.errors as { location: string; field: string }[]).map((e) => `${e.location}:${e.field}`);
    expect(fields).toEqual(expect.arrayContaining(['body:name', 'body:status', 'body:repoUrl', 'body:sneaky']));
  });

  it('rejects unknown query parameters and out-of-range limits', async () => {
    const admin = await signUp(api.app, 'Query Co');
    const unknown = await call(api.app, 'GET', '/api/v1/pocs?colour=red', { token: admin.accessToken });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ location: 'querystring', field: 'colour', message: 'unknown field' }]);
    expect((await call(api.app, 'GET', '/api/v1/pocs?limit=1000', { token: admin.accessToken })).status).toBe(400);
  });

  it('enforces string limits and at most 20 distinct tags', async () => {
    const admin = await signUp(api.app, 'Limits Co');
    const longName = await call(api.app, 'POST', '/api/v1/pocs', {
      token: admin.accessToken,
      body: { name: 'x'.repeat(201), language: 'Go' },
    });
    expect(longName.status).toBe(400);
    const manyTags = Array.from({ length: 21 }, (_, i) => `tag${i}`);
    const tooMany = await call(api.app, 'POST', '/api/v1/pocs', {
      token: admin.accessToken,
      body: { name: 'Tags', language: 'Go', tags: manyTags },
    });
    expect(tooMany.status).toBe(400);
    const duplicates = await call<Poc>(api.app, 'POST', '/api/v1/pocs', {
      token: admin.accessToken,
      body: { name: 'Tags', language: 'Go', tags: [...manyTags.slice(0, 20), 'TAG0', ' tag1 '] },
    });
    expect(duplicates.status).toBe(201);
    expect(duplicates.body.tags).toHaveLength(20);
  });

  it('refuses bodies over the size limit and non-JSON bodies', async () => {
    const admin = await signUp(api.app, 'Size Co');
    const big = await call(api.app, 'POST', '/api/v1/pocs', {
      token: admin.accessToken,
      body: { name: 'Big', language: 'Go', description: 'x'.repeat(70_000) },
    });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ detail: 'the request body is too large' });
    const text = await api.app.inject({
      method: 'POST',
      url: '/api/v1/pocs',
      headers: { authorization: `Bearer ${admin.accessToken}`, 'content-type': 'text/plain' },
      payload: 'name=x',
    });
    expect(text.statusCode).toBe(415);
    expect(text.headers['content-type']).toContain('application/problem+json');
  });

  it('treats a JSON content type without a body as no body', async () => {
    const admin = await signUp(api.app, 'Empty Body Co');
    const created = await call<Poc>(api.app, 'POST', '/api/v1/pocs', {
      token: admin.accessToken,
      body: { name: 'Delete me', language: 'Go' },
    });
    const deleted = await call(api.app, 'DELETE', `/api/v1/pocs/${created.body.id}`, {
      token: admin.accessToken,
      headers: { 'content-type': 'application/json' },
    });
    expect(deleted.status).toBe(204);
    const empty = await call(api.app, 'POST', '/api/v1/pocs', {
      token: admin.accessToken,
      headers: { 'content-type': 'application/json' },
    });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ code: 'invalid' });
  });

  it('answers unknown routes with a problem', async () => {
    const reply = await call(api.app, 'GET', '/api/v1/nothing-here');
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ code: 'not_found' });
  });
});

describe('dojos', () => {
  it('creates a dojo with its collaboration document names, lists and gets it', async () => {
    const admin = await signUp(api.app, 'Dojo Co');
    const poc = await call<Poc>(api.app, 'POST', '/api/v1/pocs', {
      token: admin.accessToken,
      body: { name: 'Kata target', language: 'TypeScript' },
    });
    const created = await call<{ id: string; documents: Record<string, string> }>(api.app, 'POST', '/api/v1/dojos', {
      token: admin.accessToken,
      body: { title: 'Friday randori', pocId: poc.body.id, format: 'randori', language: 'TypeScript', turnMinutes: 7 },
    });
    expect(created.status).toBe(201);
    const { id } = created.body;
    expect(created.body.documents).toEqual({
      code: `${admin.tenant.id}/dojo/${id}/code`,
      chat: `${admin.tenant.id}/dojo/${id}/chat`,
      control: `${admin.tenant.id}/dojo/${id}/control`,
    });
    const fetched = await call(api.app, 'GET', `/api/v1/dojos/${id}`, { token: admin.accessToken });
    expect(fetched.body).toMatchObject({
      id,
      title: 'Friday randori',
      pocId: poc.body.id,
      format: 'randori',
      turnMinutes: 7,
    });
    const list = await call<{ items: { id: string }[] }>(api.app, 'GET', '/api/v1/dojos', { token: admin.accessToken });
    expect(list.body.items.map((d) => d.id)).toEqual([id]);
  });

  it('keeps a dojo when its POC is deleted, without the POC', async () => {
    const admin = await signUp(api.app, 'Dojo Orphan Co');
    const poc = await call<Poc>(api.app, 'POST', '/api/v1/pocs', {
      token: admin.accessToken,
      body: { name: 'Goes away', language: 'Go' },
    });
    const dojo = await call<{ id: string }>(api.app, 'POST', '/api/v1/dojos', {
      token: admin.accessToken,
      body: { title: 'Stays', pocId: poc.body.id, format: 'kata', language: 'Go' },
    });
    expect((await call(api.app, 'DELETE', `/api/v1/pocs/${poc.body.id}`, { token: admin.accessToken })).status).toBe(
      204,
    );
    const after = await call(api.app, 'GET', `/api/v1/dojos/${dojo.body.id}`, { token: admin.accessToken });
    expect(after.body).toMatchObject({ title: 'Stays', pocId: null });
  });

  it('refuses a dojo on a POC that does not exist', async () => {
    const admin = await signUp(api.app, 'Dojo Missing Co');
    const reply = await call(api.app, 'POST', '/api/v1/dojos', {
      token: admin.accessToken,
      body: { title: 'x', pocId: 'p_missing', format: 'mob', language: 'Go' },
    });
    expect(reply.status).toBe(404);
  });

  it('join returns a collaboration token with the caller’s dojo role', async () => {
    const admin = await signUp(api.app, 'Join Co');
    const participant = await addUser(api.app, admin, ['participant']);
    const facilitator = await addUser(api.app, admin, ['facilitator']);
    const creator = await addUser(api.app, admin, ['participant']);
    const dojo = await call<{ id: string; documents: Record<string, string> }>(api.app, 'POST', '/api/v1/dojos', {
      token: creator.accessToken,
      body: { title: 'Mob', format: 'mob', language: 'Go' },
    });
    const join = (token: string, body?: unknown) =>
      call<{ token: string; url: string; role: string; documents: Record<string, string> }>(
        api.app,
        'POST',
        `/api/v1/dojos/${dojo.body.id}/join`,
        { token, body },
      );

    const asParticipant = await join(participant.accessToken);
    expect(asParticipant.status).toBe(200);
    expect(asParticipant.body).toMatchObject({ url: '/collab', role: 'participant', documents: dojo.body.documents });
    const claims = await api.identity.verifier.verify(asParticipant.body.token);
    expect(claims).toMatchObject({
      sub: participant.user.id,
      tid: admin.tenant.id,
      roles: ['participant'],
      dojo: dojo.body.id,
      name: participant.user.displayName,
    });
    expect(claims.exp - Math.floor(Date.now() / 1000)).toBeGreaterThan(2 * 3600 - 60);

    expect((await join(creator.accessToken)).body.role).toBe('facilitator');
    expect((await join(facilitator.accessToken)).body.role).toBe('facilitator');
    expect(asParticipant.body).toMatchObject({ observing: false });
    expect(claims.observing).toBeUndefined();
    const observing = await join(facilitator.accessToken, { as: 'observer' });
    expect(observing.body).toMatchObject({ role: 'observer', observing: true });
    // The token says so too: the collaboration tier keeps it read-only whatever the room lists.
    expect(await api.identity.verifier.verify(observing.body.token)).toMatchObject({
      roles: ['observer'],
      observing: true,
    });
    expect((await join(participant.accessToken, { as: 'admin' })).status).toBe(400);

    const members = await api.database.pool.query<{ user_id: string; role: string }>(
      'SELECT user_id, role FROM dojo_members WHERE dojo_id = $1 ORDER BY first_joined_at',
      [dojo.body.id],
    );
    expect(members.rows).toEqual([
      { user_id: participant.user.id, role: 'participant' },
      { user_id: creator.user.id, role: 'facilitator' },
      { user_id: facilitator.user.id, role: 'observer' },
    ]);
  });

  it('refuses a member the dojo rules removed', async () => {
    const admin = await signUp(api.app, 'Removed Co');
    const participant = await addUser(api.app, admin, ['participant']);
    const dojo = await call<{ id: string }>(api.app, 'POST', '/api/v1/dojos', {
      token: admin.accessToken,
      body: { title: 'Kata', format: 'kata', language: 'Go' },
    });
    const url = `/api/v1/dojos/${dojo.body.id}/join`;
    expect((await call(api.app, 'POST', url, { token: participant.accessToken })).status).toBe(200);
    await api.database.pool.query('UPDATE dojo_members SET removed = true WHERE dojo_id = $1 AND user_id = $2', [
      dojo.body.id,
      participant.user.id,
    ]);
    const refused = await call(api.app, 'POST', url, { token: participant.accessToken });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'forbidden' });
  });
});

describe('documentation', () => {
  it('serves the OpenAPI document with every contract path', async () => {
    const reply = await call<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      api.app,
      'GET',
      '/api/v1/openapi.json',
    );
    expect(reply.status).toBe(200);
    expect(reply.body.openapi).toBe('3.1.0');
    expect(Object.keys(reply.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/signup',
        '/api/v1/auth/login',
        '/api/v1/auth/refresh',
        '/api/v1/auth/logout',
        '/api/v1/users',
        '/api/v1/pocs',
        '/api/v1/pocs/{id}',
        '/api/v1/search/pocs',
        '/api/v1/dojos',
        '/api/v1/dojos/{id}',
        '/api/v1/dojos/{id}/join',
      ]),
    );
    expect(reply.body.paths['/api/v1/pocs']).toHaveProperty('post.requestBody');
    expect(reply.body.paths['/api/v1/pocs']).toHaveProperty([
      'post',
      'responses',
      '400',
      'content',
      'application/problem+json',
    ]);
  });

  it('serves a browsable reference page', async () => {
    const page = await api.app.inject({ method: 'GET', url: '/api/v1/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
  });
});

describe('operations', () => {
  it('answers liveness, readiness and Prometheus metrics', async () => {
    expect((await call(api.app, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await call(api.app, 'GET', '/readyz')).body).toEqual({ status: 'ready' });
    const metrics = await api.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toContain('api_http_request_duration_seconds_bucket');
    expect(metrics.body).toContain('route="/api/v1/pocs"');
  });
});
