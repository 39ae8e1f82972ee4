/**
 * What `pocdojo join` is given: an invitation link as the web app copies it
 * (`https://dojo.example.com/#/dojos/<id>?tenant=<team>`) or a dojo's id alone.
 */
import { z } from 'zod';

export interface DojoTarget {
  dojoId: string;
  /** The server's origin, when the link names one. */
  server?: string;
  /** The team's slug, when the link names one. */
  team?: string;
}

const dojoIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export function parseDojoTarget(input: string): DojoTarget {
  const text = input.trim();
  if (dojoIdSchema.safeParse(text).success) return { dojoId: text };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${input}" is neither an invitation link nor a dojo id`);
  }
  const [route = '', query = ''] = url.hash.replace(/^#/, '').split('?');
  const match = /^\/dojos\/([^/]+)\/?$/.exec(route);
  const dojoId = match?.[1] ? decodeURIComponent(match[1]) : '';
  if (!dojoIdSchema.safeParse(dojoId).success) throw new Error(`"${input}" is not a dojo invitation link`);
  const team = new URLSearchParams(query).get('tenant');
  return { dojoId, server: url.origin, ...(team ? { team } : {}) };
}
