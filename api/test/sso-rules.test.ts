/**
 * The pure rules of company sign-in: which roles a provider's groups give, where a finished sign-in may
 * send the browser, and the sealing of client secrets.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkClientRedirect } from '../src/sso/client-redirect.ts';
import { secretSeal } from '../src/sso/client-secret-seal.ts';
import { rolesFromGroups } from '../src/sso/group-roles.ts';

describe('roles from the groups claim', () => {
  const settings = {
    groupsClaim: 'groups',
    defaultRole: 'participant' as const,
    groupRoles: [
      { group: 'dojo-admins', roles: ['admin' as const, 'facilitator' as const] },
      { group: 'coaches', roles: ['facilitator' as const] },
    ],
  };

  it('gives every role of every mapped group, once', () => {
    expect(rolesFromGroups({ groups: ['coaches', 'dojo-admins', 'other'] }, settings).sort()).toEqual([
      'admin',
      'facilitator',
    ]);
  });

  it('falls back to the default role without a mapped group, a claim, or a list', () => {
    expect(rolesFromGroups({ groups: ['other'] }, settings)).toEqual(['participant']);
    expect(rolesFromGroups({}, settings)).toEqual(['participant']);
    expect(rolesFromGroups({ groups: 'dojo-admins' }, settings)).toEqual(['participant']);
    expect(rolesFromGroups({ groups: ['dojo-admins'] }, { ...settings, groupsClaim: null })).toEqual(['participant']);
  });

  it('reads the claim the admin named (Cognito’s cognito:groups)', () => {
    expect(rolesFromGroups({ 'cognito:groups': ['coaches'] }, { ...settings, groupsClaim: 'cognito:groups' })).toEqual([
      'facilitator',
    ]);
  });
});

describe('where a finished sign-in may send the browser', () => {
  const publicUrl = 'https://dojo.example.com';

  it('accepts the web app’s own origin and loopback listeners on any port', () => {
    expect(checkClientRedirect('https://dojo.example.com/', publicUrl)).toBe('https://dojo.example.com/');
    expect(checkClientRedirect('http://127.0.0.1:53682/callback', publicUrl)).toBe('http://127.0.0.1:53682/callback');
    expect(checkClientRedirect('http://[::1]:8400/callback', publicUrl)).toBe('http://[::1]:8400/callback');
  });

  it.each([
    'https://dojo.example.com.evil.test/',
    'http://dojo.example.com/',
    'https://evil.test/?https://dojo.example.com/',
    'https://user@dojo.example.com/',
    'http://localhost:8400/callback',
    'http://127.0.0.1:8400/other',
    'http://127.0.0.1:99999/callback',
    'not a url',
  ])('refuses %s', (redirectUri) => {
    expect(() => checkClientRedirect(redirectUri, publicUrl)).toThrow(/loopback/);
  });
});

describe('sealed client secrets', () => {
  const seal = secretSeal(randomBytes(32));

  it('opens what it sealed for the same tenant, and differs every time', () => {
    const sealed = seal.seal('s3cr3t', 't_a');
    expect(sealed).not.toContain('s3cr3t');
    expect(seal.seal('s3cr3t', 't_a')).not.toBe(sealed);
    expect(seal.open(sealed, 't_a')).toBe('s3cr3t');
  });

  it('refuses to open it for another tenant, with another key or once changed', () => {
    const sealed = seal.seal('s3cr3t', 't_a');
    expect(() => seal.open(sealed, 't_b')).toThrow(/an admin must enter it again/);
    expect(() => secretSeal(randomBytes(32)).open(sealed, 't_a')).toThrow(/an admin must enter it again/);
    const [version, iv, tag, text = ''] = sealed.split('.');
    const flipped = `${text[0] === 'A' ? 'B' : 'A'}${text.slice(1)}`;
    expect(() => seal.open([version, iv, tag, flipped].join('.'), 't_a')).toThrow();
  });
});
