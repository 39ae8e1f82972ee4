import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createLogger, openDatabase, revokeTokensOf, type DatabaseHandle } from '@pocdojo/shared';
import { nextSecond } from '@pocdojo/shared/testing/next-second';
import { connect, eventually, synced, type TestProvider } from './support/providers.ts';
import { ServerProcess } from './support/server-process.ts';

describe('a person whose tokens are revoked (erased, or their roles changed)', () => {
  let server: ServerProcess;
  let database: DatabaseHandle;
  const providers: TestProvider[] = [];
  const claims = { sub: 'u_leaving', tid: 't_acme', roles: ['participant' as const] };

  beforeAll(async () => {
    server = await ServerProcess.onTestDatabase();
    database = await openDatabase({
      databaseUrl: server.options.databaseUrl,
      dataDir: server.options.dataDir,
      logger: createLogger({ level: 'silent', name: 'test' }),
    });
    await sql`INSERT INTO tenants (id, name, slug) VALUES ('t_acme', 'Acme', 'acme')`.execute(database.db);
    await sql`INSERT INTO users (id, tenant_id, email, display_name, roles)
              VALUES ('u_leaving', 't_acme', 'leaving@acme.test', 'Lee', ARRAY['participant'])`.execute(database.db);
  });

  afterAll(async () => {
    for (const p of providers) p.destroy();
    await database?.close();
    await server?.dispose();
  });

  it('is disconnected at once, comes back only with a token issued after, and cannot rejoin with the old one', async () => {
    const oldToken = await server.token(claims);
    let tokensAsked = 0;
    const closeCodes: number[] = [];
    const editor = connect({
      url: server.wsUrl,
      name: 't_acme/dojo/revoked/code',
      token: async () => (tokensAsked++ === 0 ? oldToken : server.token(claims)),
    });
    providers.push(editor);
    editor.provider.configuration.websocketProvider.on('disconnect', ({ event }: { event: { code: number } }) =>
      closeCodes.push(event.code),
    );
    await synced(editor);

    await nextSecond();
    await database.db.transaction().execute((trx) => revokeTokensOf(trx, claims.sub));

    await eventually(() => closeCodes.includes(4401), 'the connection closed as unauthorized');
    await eventually(() => tokensAsked >= 2 && editor.provider.isSynced, 'back with a fresh token');

    const refusals: string[] = [];
    const stale = connect({
      url: server.wsUrl,
      name: 't_acme/dojo/revoked/code',
      token: oldToken,
      onAuthenticationFailed: (reason) => refusals.push(reason),
    });
    providers.push(stale);
    await eventually(() => refusals.length > 0, 'the old token refused');
    expect(refusals[0]).toBe('unauthorized: token revoked');
  });

  it('stays revoked for a node that starts after the revocation', async () => {
    const oldToken = await server.token(claims);
    await nextSecond();
    await database.db.transaction().execute((trx) => revokeTokensOf(trx, claims.sub));
    await server.stop();
    await server.restart();

    const refusals: string[] = [];
    providers.push(
      connect({
        url: server.wsUrl,
        name: 't_acme/dojo/revoked/code',
        token: oldToken,
        onAuthenticationFailed: (reason) => refusals.push(reason),
      }),
    );
    await eventually(() => refusals.length > 0, 'the old token refused');
    expect(refusals[0]).toBe('unauthorized: token revoked');
  });
});
