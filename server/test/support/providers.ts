import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import { destroySocket } from '@pocdojo/sdk/socket-teardown';
import * as Y from 'yjs';

export interface TestProvider {
  provider: HocuspocusProvider;
  doc: Y.Doc;
  text: Y.Text;
  destroy(): void;
}

/** A stock Hocuspocus provider in Node (ws as the WebSocket), as any client would use it. */
export function connect(options: {
  url: string;
  name: string;
  token: string | (() => Promise<string>);
  onAuthenticationFailed?: (reason: string) => void;
  /** Address messages as `name\0session`, as multiplexing providers do. */
  sessionAwareness?: boolean;
}): TestProvider {
  const doc = new Y.Doc();
  const websocketProvider = new HocuspocusProviderWebsocket({
    url: options.url,
    WebSocketPolyfill: WebSocket,
    delay: 100,
    minDelay: 100,
    maxDelay: 500,
  });
  const provider = new HocuspocusProvider({
    websocketProvider,
    name: options.name,
    document: doc,
    token: options.token,
    sessionAwareness: options.sessionAwareness ?? false,
    onAuthenticationFailed: ({ reason }) => options.onAuthenticationFailed?.(reason),
  });
  provider.attach();
  return {
    provider,
    doc,
    text: doc.getText('code'),
    destroy() {
      provider.destroy();
      destroySocket(websocketProvider);
    },
  };
}

export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

export const synced = (p: TestProvider) => eventually(() => p.provider.isSynced, 'provider synced');

/** Every local change acknowledged by the server (which, here, means committed to Postgres). */
export const acknowledged = (p: TestProvider) =>
  eventually(() => p.provider.isSynced && p.provider.unsyncedChanges === 0, 'changes acknowledged');
