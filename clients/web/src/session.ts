/**
 * The signed-in session and the one API client of the page. Every tab of the browser shares one
 * session: it lives in IndexedDB (a reload stays signed in), one tab at a time refreshes it under
 * a Web Lock, and the other tabs adopt what changed through the `storage` event of its localStorage
 * mirror, sign-outs included. Without that, a second tab would present a refresh token the first one
 * already spent, and the API (rightly) revokes the whole login on reuse. Components read the session
 * through `useSession` and re-render when it changes.
 *
 * Why two stores: a tab that gets the lock must read the rotation the previous holder wrote, and only
 * IndexedDB guarantees that. Chromium's localStorage is cached in each tab's renderer and another
 * tab's write reaches that cache later: measured with two tabs handing a Web Lock back and forth, 76
 * of 200 reads right after the handover still saw the old value (none with IndexedDB). The mirror
 * gives the page its session synchronously at start and the other tabs their `storage` event.
 */
import { ApiClient, type Session, type SessionChange, sessionSchema } from '@pocdojo/sdk/api-client';
import { RunsClient } from '@pocdojo/sdk/runs-client';
import { createStore, del, get, set } from 'idb-keyval';
import { useEffect, useState } from 'preact/hooks';

const storageKey = 'pocdojo.session';
/** How the last session ended (`signedOut` or `ended`), for the tabs that learn of it by the storage event. */
const endingKey = 'pocdojo.session-ending';
const lockName = 'pocdojo.session';

const listeners = new Set<(session: Session | undefined) => void>();

/** A stored value as a session, when it is one. */
function sessionOf(value: unknown): Session | undefined {
  const parsed = sessionSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** The session in the localStorage mirror. */
function storedSession(): Session | undefined {
  const stored = localStorage.getItem(storageKey);
  if (!stored) return undefined;
  try {
    return sessionOf(JSON.parse(stored));
  } catch {
    return undefined;
  }
}

const sharedStore = createStore('pocdojo', 'session');
const sharedKey = 'current';

/** The session in IndexedDB: null after a sign-out, nothing yet when only the mirror has one (a session from before). */
async function readShared(): Promise<Session | undefined> {
  try {
    const value: unknown = await get(sharedKey, sharedStore);
    return value === undefined ? storedSession() : sessionOf(value);
  } catch {
    // No IndexedDB (some private modes): the mirror is all this browser has.
    return storedSession();
  }
}

async function writeShared(session: Session | undefined): Promise<void> {
  try {
    await set(sharedKey, session ?? null, sharedStore);
  } catch {
    // The mirror, written beside it, holds the change: drop what IndexedDB still has, so reads fall back
    // to the mirror rather than return a session whose refresh token is already spent.
    await del(sharedKey, sharedStore).catch(() => undefined);
  }
}

/** Why this tab is signed out, when the person did not just click "Sign out" here. */
let notice: string | undefined;
export const signedOutNotice = (): string | undefined => notice;

const endedNotice = 'Your session expired — sign in again.';
const erasedNotice = 'Your account was erased from this team. An administrator of the team can add you again.';
const otherTabNotice = 'You signed out in another tab — sign in again to continue.';

/** What this tab tells the person when a session ends without their clicking "Sign out" here. */
function endingNotice(ending: string | null): string {
  if (ending === 'ended') return endedNotice;
  if (ending === 'erased') return erasedNotice;
  return otherTabNotice;
}

function persist(session: Session | undefined, change: SessionChange): void {
  switch (change) {
    case 'signedIn':
    case 'refreshed':
      localStorage.removeItem(endingKey);
      localStorage.setItem(storageKey, JSON.stringify(session));
      notice = undefined;
      return;
    case 'signedOut':
    case 'ended':
    case 'erased':
      // The reason first: the other tabs read it when the removal reaches them.
      localStorage.setItem(endingKey, change);
      localStorage.removeItem(storageKey);
      notice = change === 'signedOut' ? undefined : endingNotice(change);
      return;
    case 'adopted':
      notice = session ? undefined : endingNotice(localStorage.getItem(endingKey));
  }
}

export const api = new ApiClient({
  session: storedSession(),
  shared: {
    read: readShared,
    write: writeShared,
    // Web Locks exist only in secure contexts (https, localhost); elsewhere reading the store before
    // refreshing still catches every rotation that finished before this tab's turn.
    exclusive: async (work) => (window.isSecureContext ? await navigator.locks.request(lockName, work) : work()),
  },
  onSession(session, change) {
    persist(session, change);
    listeners.forEach((listener) => listener(session));
  },
});

window.addEventListener('storage', (event) => {
  // `key` is null when the whole storage was cleared.
  if (event.key !== storageKey && event.key !== null) return;
  const session = storedSession();
  if (session?.accessToken !== api.session?.accessToken) api.adopt(session);
});

export function useSession(): Session | undefined {
  const [session, setSession] = useState(api.session);
  useEffect(() => {
    listeners.add(setSession);
    return () => void listeners.delete(setSession);
  }, []);
  return session;
}

/** Test runs and the languages that can run here, through the same client (and session). */
export const runs = new RunsClient(api);
