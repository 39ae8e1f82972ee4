/**
 * Hash routes (`#/pocs/abc`): the server only has to serve one static index.html, and a reload or a
 * shared link lands on the same view.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { name: 'signin'; tenant: string | undefined; next: string | undefined }
  | { name: 'pocs' }
  | { name: 'poc'; id: string }
  | { name: 'dojo'; id: string }
  | { name: 'users' }
  | { name: 'reports' }
  | { name: 'videos' }
  | { name: 'notFound'; path: string };

export function parseRoute(hash: string): Route {
  const [path = '', queryText = ''] = hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(queryText);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (parts.length === 0) return { name: 'pocs' };
  if (first === 'signin')
    return { name: 'signin', tenant: query.get('tenant') ?? undefined, next: query.get('next') ?? undefined };
  if (first === 'pocs' && !second) return { name: 'pocs' };
  if (first === 'pocs' && second) return { name: 'poc', id: second };
  if (first === 'dojos' && second) return { name: 'dojo', id: second };
  if (first === 'users') return { name: 'users' };
  if (first === 'reports') return { name: 'reports' };
  if (first === 'videos') return { name: 'videos' };
  return { name: 'notFound', path };
}

export const currentPath = (): string => location.hash.replace(/^#/, '') || '/';

export function navigate(path: string): void {
  location.hash = path;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
