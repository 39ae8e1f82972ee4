import type { HocuspocusProviderWebsocket } from '@hocuspocus/provider';

const ignore = (): void => undefined;

/**
 * Destroys a provider's socket, also while it is still connecting. The provider takes its listeners off
 * the WebSocket before closing it, and Node's `ws` reports closing a socket that is still connecting as an
 * 'error' event a moment later: with nobody listening, an uncaught exception that ends the process (the
 * CLI quitting during a reconnection; the full test suite caught it in a test's tear-down). A listener that
 * ignores it stays on that socket.
 */
export function destroySocket(socket: HocuspocusProviderWebsocket): void {
  socket.webSocket?.addEventListener('error', ignore);
  socket.destroy();
}
