/**
 * Hash routes (`#/pocs/abc`): the server only has to serve one static index.html, and a reload or a
 * shared link lands on the same view. The POC search lives in the address too
 * (`#/pocs?q=kube&language=go&tags=k8s,web`), so a reload or Back brings it back.
 */
import { useEffect, useState } from 'preact/hooks';

export interface PocSearch {
  q: string;
  language: string | undefined;
  tags: string[];
}

export type Route =
  | { name: 'signin'; tenant: string | undefined; next: string | undefined }
  | { name: 'pocs'; search: PocSearch }
  | { name: 'poc'; id: string }
  | { name: 'dojo'; id: string }
  | { name: 'users' }
  | { name: 'companySignIn' }
  | { name: 'reports' }
  | { name: 'videos' }
  | { name: 'audit' }
  | { name: 'account' }
  | { name: 'notFound'; path: string };

export function parseRoute(hash: string): Route {
  const [path = '', queryText = ''] = hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(queryText);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (parts.length === 0 || (first === 'pocs' && !second)) return { name: 'pocs', search: parsePocSearch(query) };
  if (first === 'signin')
    return { name: 'signin', tenant: query.get('tenant') ?? undefined, next: query.get('next') ?? undefined };
  if (first === 'pocs' && second) return { name: 'poc', id: second };
  if (first === 'dojos' && second) return { name: 'dojo', id: second };
  if (first === 'users') return { name: 'users' };
  if (first === 'company-sign-in') return { name: 'companySignIn' };
  if (first === 'reports') return { name: 'reports' };
  if (first === 'videos') return { name: 'videos' };
  if (first === 'audit') return { name: 'audit' };
  if (first === 'account') return { name: 'account' };
  return { name: 'notFound', path };
}

function parsePocSearch(query: URLSearchParams): PocSearch {
  return {
    q: query.get('q') ?? '',
    language: query.get('language') || undefined,
    tags: (query.get('tags') ?? '')
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean),
  };
}

/** The address of a POC search; the empty search is the plain list. */
export function pocSearchPath(search: PocSearch): string {
  const query = new URLSearchParams();
  if (search.q) query.set('q', search.q);
  if (search.language) query.set('language', search.language);
  if (search.tags.length > 0) query.set('tags', search.tags.join(','));
  return query.size > 0 ? `/pocs?${query}` : '/pocs';
}

export const currentPath = (): string => location.hash.replace(/^#/, '') || '/';

export function navigate(path: string): void {
  location.hash = path;
}

// replaceState fires no hashchange: the routes in use hear about a replaced address from here.
const replacedListeners = new Set<() => void>();

/** Changes the address without a new history entry: typing a search does not fill Back with letters. */
export function replacePath(path: string): void {
  history.replaceState(history.state, '', `#${path}`);
  replacedListeners.forEach((listener) => listener());
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', update);
    replacedListeners.add(update);
    return () => {
      window.removeEventListener('hashchange', update);
      replacedListeners.delete(update);
    };
  }, []);
  return route;
}
