/**
 * Postgres text and jsonb cannot hold U+0000: a NUL that reaches a query fails it ("invalid byte
 * sequence", "unsupported Unicode escape sequence"), and the service would report its own failure for
 * what is bad input. Every boundary that takes text from outside (HTTP requests, dojo commands, code
 * edits, token claims) refuses NUL with an `invalid` error naming the field, before anything is stored.
 */
export const nulMessage = 'must not contain NUL (U+0000) characters';

export const hasNul = (text: string): boolean => text.includes('\u0000');

/** A path segment as a person reads it: a key that itself holds NUL shows it escaped, not raw. */
const readable = (key: string) => key.replaceAll('\u0000', '\\u0000');

/**
 * Dotted paths (`tags.3`, `args.text`) of every string inside `value` (a parsed JSON value, a query or
 * header object) that holds a NUL, and of every object key that does; `''` when `value` is such a string.
 */
export function nulPaths(value: unknown, path = ''): string[] {
  if (typeof value === 'string') return hasNul(value) ? [path] : [];
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return [];
  const join = (key: string) => (path ? `${path}.${readable(key)}` : readable(key));
  if (Array.isArray(value)) return value.flatMap((item: unknown, index) => nulPaths(item, join(String(index))));
  return Object.entries(value).flatMap(([key, item]) => [
    ...(hasNul(key) ? [join(key)] : []),
    ...nulPaths(item, join(key)),
  ]);
}
