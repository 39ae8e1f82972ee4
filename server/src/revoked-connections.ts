import type { Hocuspocus } from '@hocuspocus/server';
import type { Logger, TokenRevocations } from '@pocdojo/shared';
import { closeCodes } from './close-codes.ts';
import { socketOf } from './collab-socket.ts';
import { claimsOf } from './tenant-guard.ts';

/**
 * When a person's tokens are revoked (erased, or their roles changed), their open connections on this node
 * close as an expired token's do: the provider comes back with a fresh token, which a person with new
 * roles gets and an erased one does not. Without this they would keep editing until the socket closed.
 */
export function closeRevokedConnections(hocuspocus: Hocuspocus, revocations: TokenRevocations, logger: Logger): void {
  revocations.onRevoked((userId) => {
    let closed = 0;
    for (const document of hocuspocus.documents.values()) {
      for (const connection of document.getConnections()) {
        const claims = claimsOf(connection.context);
        if (claims?.sub !== userId || !revocations.isRevoked(claims)) continue;
        socketOf(connection.context)?.close(closeCodes.unauthorized, 'token revoked');
        closed += 1;
      }
    }
    if (closed > 0) logger.info({ user: userId, connections: closed }, 'closed connections of revoked tokens');
  });
}
