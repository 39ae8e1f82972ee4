import { describe, expect, it } from 'vitest';
import { formatDocumentName, parseDocumentName } from '../src/tenant.ts';

describe('parseDocumentName', () => {
  it('reads three or four segments, tenant first', () => {
    expect(parseDocumentName('t_acme/poc/p-1/notes')).toEqual({
      tenantId: 't_acme',
      kind: 'poc',
      id: 'p-1',
      part: 'notes',
    });
    expect(parseDocumentName('t_acme/dojo/d1')).toEqual({
      tenantId: 't_acme',
      kind: 'dojo',
      id: 'd1',
      part: undefined,
    });
    expect(formatDocumentName(parseDocumentName('t_acme/dojo/d1/code')!)).toBe('t_acme/dojo/d1/code');
  });

  it('refuses any other shape', () => {
    for (const name of [
      '',
      't_acme',
      't_acme/poc',
      't_acme/poc/p1/notes/extra',
      't_acme//p1',
      't_acme/poc/p1/',
      '/t_acme/poc/p1',
      't_acme/poc/p 1',
      't_acme/poc/p1\n',
      't.acme/poc/p1',
      `${'a'.repeat(65)}/poc/p1`,
      `t_acme/poc/${'a'.repeat(64)}/${'b'.repeat(64)}`.padEnd(301, 'c'),
    ]) {
      expect(parseDocumentName(name), name).toBeUndefined();
    }
    expect(parseDocumentName(`${'a'.repeat(64)}/poc/p1`)).toBeDefined();
  });
});
