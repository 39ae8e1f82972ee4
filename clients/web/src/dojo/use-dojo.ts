/**
 * Joins a dojo through the API (which hands out the short-lived collaboration token and the
 * document names), opens one multiplexed connection for its three documents, and exposes their
 * state as plain values that re-render the room when the documents change.
 */
import type { ApiError, DojoJoin } from '@pocdojo/sdk/api-client';
import { type ConnectionStatus, DojoConnection } from '@pocdojo/sdk/dojo-connection';
import {
  type ChatMessage,
  type ControlState,
  chatMessages,
  codeFiles,
  codeLanguages,
  controlState,
  readChatMessages,
  readControlState,
} from '@pocdojo/sdk/dojo-documents';
import type { Peer } from '@pocdojo/sdk/presence';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../session.ts';

export interface DojoView {
  connection: DojoConnection;
  join: DojoJoin;
  control: ControlState;
  chat: ChatMessage[];
  files: string[];
  languages: Record<string, string>;
  peers: Peer[];
  status: ConnectionStatus;
  unsynced: number;
  synced: boolean;
  denied: string | undefined;
}

export type DojoLoad = { state: 'loading' } | { state: 'error'; error: ApiError } | { state: 'ready'; view: DojoView };

/** The WebSocket address for the URL the API returned: absolute, or a path on this page's origin. */
export function collaborationUrl(url: string): string {
  if (/^wss?:\/\//.test(url)) return url;
  if (/^https?:\/\//.test(url)) return url.replace(/^http/, 'ws');
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${url.startsWith('/') ? url : `/${url}`}`;
}

export function useDojo(id: string): DojoLoad {
  const [load, setLoad] = useState<DojoLoad>({ state: 'loading' });

  useEffect(() => {
    let connection: DojoConnection | undefined;
    let cancelled = false;
    const session = api.session;
    void api.joinDojo(id).then((answer) => {
      if (cancelled) return;
      if (!answer.ok) return setLoad({ state: 'error', error: answer.error });
      if (!session) return;
      let join = answer.value;
      let firstToken: string | undefined = join.token;
      const live = new DojoConnection({
        url: collaborationUrl(join.url),
        documents: join.documents,
        self: { userId: session.user.id, name: session.user.displayName, role: join.role },
        // The join token is short-lived: every reconnect asks the API for a fresh one.
        token: async () => {
          if (firstToken) {
            const token = firstToken;
            firstToken = undefined;
            return token;
          }
          const again = await api.joinDojo(id);
          if (!again.ok) return '';
          // A change of the person's roles closed the connection: the fresh join says what they are now.
          if (again.value.role !== join.role || again.value.observing !== join.observing) {
            join = again.value;
            live.changeRole(join.role);
            refresh();
          }
          return again.value.token;
        },
      });
      connection = live;
      let denied: string | undefined;
      const snapshot = (): DojoView => ({
        connection: live,
        join,
        control: readControlState(live.docs.control),
        chat: readChatMessages(live.docs.chat),
        files: [...codeFiles(live.docs.code).keys()].sort(),
        languages: codeLanguages(live.docs.code).toJSON() as Record<string, string>,
        peers: live.peers(),
        status: live.status,
        unsynced: live.unsyncedChanges,
        synced: live.isSynced,
        denied,
      });
      // Several changes in one tick (a sync brings many) render once.
      let scheduled = false;
      const refresh = () => {
        if (scheduled) return;
        scheduled = true;
        queueMicrotask(() => {
          scheduled = false;
          if (!cancelled) setLoad({ state: 'ready', view: snapshot() });
        });
      };
      controlState(live.docs.control).observe(refresh);
      chatMessages(live.docs.chat).observe(refresh);
      codeFiles(live.docs.code).observe(refresh);
      codeLanguages(live.docs.code).observe(refresh);
      live.on('peers', refresh);
      live.on('status', refresh);
      live.on('unsynced', refresh);
      live.on('synced', refresh);
      live.on('denied', (part, reason) => {
        denied = `${part}: ${reason}`;
        refresh();
      });
      refresh();
    });
    return () => {
      cancelled = true;
      connection?.destroy();
    };
  }, [id]);

  return load;
}
