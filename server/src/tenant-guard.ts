import type { Extension, onAuthenticatePayload } from '@hocuspocus/server';
import {
  canWrite,
  inSpan,
  parseDocumentName,
  TokenError,
  type Claims,
  type TokenFailure,
  type Logger,
  type TokenVerifier,
} from '@pocdojo/shared';
import { socketOf } from './collab-socket.ts';

/** What every authenticated document connection carries in its Hocuspocus context. */
export interface CollabContext {
  claims: Claims;
}

/** The claims a hook's connection context carries once the tenant guard has let it in. */
export const claimsOf = (context: unknown): Claims | undefined =>
  (context as Partial<CollabContext> | undefined)?.claims;

const refusals = {
  expired: 'unauthorized: token expired',
  revoked: 'unauthorized: token revoked',
  invalid: 'unauthorized: invalid token',
} as const satisfies Record<TokenFailure, string>;

/** Thrown to Hocuspocus: its `reason` travels to the provider as the permission-denied reason. */
export class PermissionDenied extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Authentication and tenant isolation, before any document is loaded or created:
 * - the token is verified (signature, exp, nbf, issuer, audience, claim shapes);
 * - the document's first segment must be the token's tenant, and a dojo join token opens only that dojo;
 * - observers connect read-only (Hocuspocus then refuses their updates and leaves the document unchanged);
 * - the socket closes when the token expires, so the provider reconnects with a fresh one.
 */
export class TenantGuard implements Extension {
  extensionName = 'tenant-guard';
  priority = 2000;

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly logger: Logger,
  ) {}

  async onAuthenticate(payload: onAuthenticatePayload): Promise<CollabContext> {
    return inSpan('collab authenticate', { attributes: { 'document.name': payload.documentName } }, async (span) => {
      const granted = await this.authenticate(payload);
      span.setAttribute('collab.read_only', payload.connectionConfig.readOnly);
      return granted;
    });
  }

  private async authenticate({
    token,
    documentName,
    connectionConfig,
    context,
  }: onAuthenticatePayload): Promise<CollabContext> {
    let claims: Claims;
    try {
      claims = await this.verifier.verify(token);
    } catch (error) {
      const reason = error instanceof TokenError ? error.reason : 'invalid';
      this.logger.info({ document: documentName, reason }, 'token refused');
      throw new PermissionDenied(refusals[reason]);
    }
    const name = parseDocumentName(documentName);
    if (!name) throw new PermissionDenied('forbidden: invalid document name');
    if (name.tenantId !== claims.tid) {
      this.logger.warn({ document: documentName, tenant: claims.tid, user: claims.sub }, 'cross-tenant open refused');
      throw new PermissionDenied('forbidden: document belongs to another tenant');
    }
    if (claims.dojo !== undefined && (name.kind !== 'dojo' || name.id !== claims.dojo)) {
      throw new PermissionDenied('forbidden: this token is for another dojo');
    }
    connectionConfig.readOnly = !canWrite(claims);
    socketOf(context)?.expireAt(claims.exp);
    // Kept for the connection's lifetime: only what the hooks read (the issue time tells whether a later
    // revocation of the holder's tokens covers this one), not the token's id.
    const { sub, tid, roles, dojo, observing, name: displayName, exp, iat } = claims;
    return { claims: { sub, tid, roles, dojo, observing, name: displayName, exp, iat } };
  }
}
