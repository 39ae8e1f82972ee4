import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, revokeTokensOf, TokenRevocations, type DatabaseHandle } from '@pocdojo/shared';
import { nextSecond } from '@pocdojo/shared/testing/next-second';
import { openMigratedTestDatabase } from '@pocdojo/shared/testing/test-database';
import { startVoiceTestServer, type VoiceTestServer } from './voice-test-server.ts';

const logger = createLogger({ level: 'silent', name: 'voice-revocation-test' });
const room = { tenantId: 't_acme', dojoId: 'd_revoked' };
const claims = { sub: 'u_leaving', tid: 't_acme', roles: ['participant' as const], dojo: room.dojoId };

describe('a person in voice whose tokens are revoked (erased, or their roles changed)', () => {
  let opened: Awaited<ReturnType<typeof openMigratedTestDatabase>>;
  let database: DatabaseHandle;
  let revocations: TokenRevocations;
  let server: VoiceTestServer;

  beforeAll(async () => {
    opened = await openMigratedTestDatabase(logger);
    database = opened.database;
    await sql`INSERT INTO tenants (id, name, slug) VALUES ('t_acme', 'Acme', 'acme')`.execute(database.db);
    await sql`INSERT INTO users (id, tenant_id, email, display_name, roles)
              VALUES ('u_leaving', 't_acme', 'leaving@acme.test', 'Lee', ARRAY['participant'])`.execute(database.db);
    revocations = TokenRevocations.start(database, logger);
    await revocations.firstRead;
    server = await startVoiceTestServer({}, undefined, revocations);
  });

  afterAll(async () => {
    await server?.close();
    await revocations?.close();
    await opened?.close();
  });

  it('leaves the room at once, closed as unauthorized, and can rejoin only with a token issued after', async () => {
    const oldToken = await server.token(claims);
    const leaving = await server.connectClient();
    await leaving.join(oldToken, `t_acme/${room.dojoId}`);
    const staying = await server.connectClient();
    await staying.join(await server.token({ ...claims, sub: 'u_staying' }), `t_acme/${room.dojoId}`);
    expect(server.voice.room(room)?.peers.size).toBe(2);

    await nextSecond();
    await database.db.transaction().execute((trx) => revokeTokensOf(trx, claims.sub));

    expect(await leaving.waitForClose()).toBe(4401);
    expect([...(server.voice.room(room)?.peers.values() ?? [])].map((peer) => peer.identity.userId)).toEqual([
      'u_staying',
    ]);

    const stale = await server.connectClient();
    await expect(stale.join(oldToken, `t_acme/${room.dojoId}`)).rejects.toMatchObject({
      code: 'unauthorized',
      message: 'token revoked: sign in again',
    });
    const back = await server.connectClient();
    await back.join(await server.token(claims), `t_acme/${room.dojoId}`);
    expect(server.voice.room(room)?.peers.size).toBe(2);
  });
});
