import { Hocuspocus } from '@hocuspocus/server';
import { describe, expect, it } from 'vitest';
import { DocumentGuid } from '../src/document-guid.ts';

describe('DocumentGuid', () => {
  it('gives every document Hocuspocus creates a random v4 UUID of its own', async () => {
    const hocuspocus = new Hocuspocus({ quiet: true, extensions: [new DocumentGuid()] });
    const names = ['t_acme/poc/one/code', 't_acme/poc/two/code'];
    const connections = await Promise.all(names.map((name) => hocuspocus.openDirectConnection(name)));
    const guids = names.map((name) => hocuspocus.documents.get(name)?.guid);

    for (const guid of guids)
      expect(guid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(guids).size).toBe(2);
    await Promise.all(connections.map((connection) => connection.disconnect()));
  });
});
