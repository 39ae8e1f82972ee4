import { describe, expect, it } from 'vitest';
import { mintTurnCredentials } from '../src/turn-credentials.ts';

const settings = { urls: ['turn:turn.example.org:3478'], secret: 'north-wind-secret-0123', ttlSeconds: 600 };

describe('TURN credentials (TURN REST API shared secret)', () => {
  it('names the expiry and the user, signed with HMAC-SHA1 of the shared secret', () => {
    // Cross-checked with: echo -n "1700000600:ada" | openssl dgst -sha1 -hmac "north-wind-secret-0123" -binary | base64
    expect(mintTurnCredentials(settings, 'ada', 1_700_000_000_000)).toEqual({
      urls: ['turn:turn.example.org:3478'],
      username: '1700000600:ada',
      credential: 'QPg1denvm4tXkNaG9WHTIJfzp4E=',
    });
  });

  it('keeps the expiry the first field even for a user id with a colon', () => {
    expect(mintTurnCredentials(settings, 'odd:id', 1_700_000_000_000).username).toBe('1700000600:odd_id');
  });
});
