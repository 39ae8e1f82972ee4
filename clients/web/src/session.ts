/**
 * The signed-in session, kept in localStorage so a reload stays signed in, and the one API client
 * of the page. Components read the session through `useSession` and re-render when it changes.
 */
import { ApiClient, type Session, sessionSchema } from '@pocdojo/sdk/api-client';
import { RunsClient } from '@pocdojo/sdk/runs-client';
import { useEffect, useState } from 'preact/hooks';

const storageKey = 'pocdojo.session';
const listeners = new Set<(session: Session | undefined) => void>();

function loadSession(): Session | undefined {
  const stored = localStorage.getItem(storageKey);
  if (!stored) return undefined;
  try {
    const parsed = sessionSchema.safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export const api = new ApiClient({
  session: loadSession(),
  onSession(session) {
    if (session) localStorage.setItem(storageKey, JSON.stringify(session));
    else localStorage.removeItem(storageKey);
    listeners.forEach((listener) => listener(session));
  },
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
