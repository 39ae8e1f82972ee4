import { createHmac } from 'node:crypto';
import type { IceServer } from './media-config.ts';

export interface TurnSettings {
  urls: string[];
  /** coturn's `static-auth-secret`. */
  secret: string;
  ttlSeconds: number;
}

/**
 * TURN credentials in the TURN REST API's shared-secret scheme (draft-uberti-behave-turn-rest, coturn
 * `use-auth-secret`): the username is `<expiry unix seconds>:<userId>` and the password is
 * base64(HMAC-SHA1(secret, username)). The TURN server recomputes the HMAC and refuses a username whose
 * expiry has passed, so the secret stays on the servers and a leaked credential dies by itself.
 */
export function mintTurnCredentials(settings: TurnSettings, userId: string, now = Date.now()): IceServer {
  const expiry = Math.floor(now / 1000) + settings.ttlSeconds;
  // A colon would end the expiry field early in the TURN server's parsing; user ids never hold one, but be sure.
  const username = `${expiry}:${userId.replaceAll(':', '_')}`;
  const credential = createHmac('sha1', settings.secret).update(username).digest('base64');
  return { urls: settings.urls, username, credential };
}
