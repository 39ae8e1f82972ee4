/**
 * WebSocket close codes of the collaboration tier. The Hocuspocus provider reconnects after any close,
 * so every code here is "reconnect-friendly"; what differs is what the client should show or fix.
 *
 *  1009 message too big        above MAX_MESSAGE_BYTES (past twice that, uWS drops the socket: 1006)
 *  1012 service restart        node draining or shutting down: reconnect, possibly to another node
 *  4400 invalid message        a frame that does not parse as the Hocuspocus protocol
 *  4401 unauthorized           token expired, invalid or revoked: reconnect with a fresh token
 *  4429 rate limited           too many messages per second
 *  4503 unavailable            a document could not be loaded; retry later
 */
export const closeCodes = {
  messageTooBig: 1009,
  serviceRestart: 1012,
  invalidMessage: 4400,
  unauthorized: 4401,
  rateLimited: 4429,
  unavailable: 4503,
} as const;
