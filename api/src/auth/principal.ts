import { DomainError, TokenError, type Role, type TokenVerifier } from '@pocdojo/shared';
import { mayChangeRecords, mayManageMembers } from '@pocdojo/shared/contract/permissions';
import type { FastifyRequest } from 'fastify';

/** Who is calling: the verified claims of the access token, in the API's terms. */
export interface Principal {
  userId: string;
  tenantId: string;
  roles: Role[];
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

/**
 * onRequest hook for every route that needs a caller: verifies the bearer token and refuses dojo
 * join tokens, which are scoped to one collaboration session and must not act on the REST API.
 */
export function authenticate(verifier: TokenVerifier) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) throw new DomainError('unauthorized', 'a Bearer access token is required');
    try {
      const claims = await verifier.verify(match[1]);
      if (claims.dojo !== undefined) throw new DomainError('unauthorized', 'dojo tokens cannot call the REST API');
      request.principal = { userId: claims.sub, tenantId: claims.tid, roles: claims.roles };
    } catch (error) {
      if (error instanceof TokenError) throw new DomainError('unauthorized', error.message);
      throw error;
    }
  };
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new DomainError('unauthorized', 'a Bearer access token is required');
  return request.principal;
}

/** Observers read only: every change needs another role. */
export function requireWriter(principal: Principal): void {
  if (!mayChangeRecords(principal.roles)) {
    throw new DomainError(
      'forbidden',
      'observers can read but not change anything; an admin can make you a participant',
    );
  }
}

export function requireAdmin(principal: Principal): void {
  if (!mayManageMembers(principal.roles))
    throw new DomainError('forbidden', "only the team's admins manage its members");
}
