import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { connect, eventually, synced, type TestProvider } from './support/providers.ts';
import { ServerProcess } from './support/server-process.ts';

/** An identity provider such as Keycloak or Cognito: its own keys (ES256 here), published as a JWKS. */
describe('tokens from an external identity provider (AUTH_JWKS_URL)', () => {
  let idp: Server;
  let server: ServerProcess;
  let signingKey: CryptoKey;
  const providers: TestProvider[] = [];

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    signingKey = pair.privateKey;
    const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' }] };
    idp = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    server = await ServerProcess.onTestDatabase({
      env: {
        AUTH_JWKS_URL: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/realms/dojo/certs`,
        AUTH_ISSUER: 'https://idp.example/realms/dojo',
        AUTH_AUDIENCE: 'pocdojo-collab',
      },
    });
  });

  afterAll(async () => {
    for (const p of providers) p.destroy();
    await server?.dispose();
    await new Promise((resolve) => idp?.close(resolve));
  });

  const idpToken = (key: CryptoKey, kid: string) =>
    new SignJWT({ tid: 't_acme', roles: ['participant'] })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setSubject('kc-user-1')
      .setIssuer('https://idp.example/realms/dojo')
      .setAudience('pocdojo-collab')
      .setExpirationTime('10m')
      .sign(key);

  it("accepts the provider's tokens", async () => {
    const client = connect({
      url: server.wsUrl,
      name: 't_acme/poc/p1/notes',
      token: await idpToken(signingKey, 'idp-1'),
    });
    providers.push(client);
    await synced(client);
  });

  it('refuses a token signed with a key the provider does not publish', async () => {
    const stranger = await generateKeyPair('ES256');
    let reason: string | undefined;
    const client = connect({
      url: server.wsUrl,
      name: 't_acme/poc/p1/notes',
      token: await idpToken(stranger.privateKey, 'idp-1'),
      onAuthenticationFailed: (r) => (reason = r),
    });
    providers.push(client);
    await eventually(() => reason !== undefined, 'refused');
    expect(reason).toBe('unauthorized: invalid token');
  });

  it("refuses the embedded key's tokens once an external provider is configured", async () => {
    let reason: string | undefined;
    const client = connect({
      url: server.wsUrl,
      name: 't_acme/poc/p1/notes',
      token: await server.token({ sub: 'u1', tid: 't_acme', roles: ['participant'] }),
      onAuthenticationFailed: (r) => (reason = r),
    });
    providers.push(client);
    await eventually(() => reason !== undefined, 'refused');
    expect(reason).toBe('unauthorized: invalid token');
  });
});
