import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledged, connect, eventually, synced, type TestProvider } from './support/providers.ts';
import { ServerProcess } from './support/server-process.ts';

describe('collaboration over /collab with stock Hocuspocus providers', () => {
  let server: ServerProcess;
  const providers: TestProvider[] = [];

  beforeAll(async () => {
    server = await ServerProcess.onTestDatabase();
  });

  afterAll(async () => {
    for (const p of providers) p.destroy();
    await server?.dispose();
  });

  const open = async (user: string, name = 't_acme/dojo/d1/code', sessionAwareness = false) => {
    const p = connect({
      url: server.wsUrl,
      name,
      token: await server.token({ sub: user, tid: 't_acme', roles: ['participant'] }),
      sessionAwareness,
    });
    providers.push(p);
    await synced(p);
    return p;
  };

  it('two providers editing one document converge, and a third joining later receives the full state', async () => {
    const alice = await open('alice');
    const bob = await open('bob');

    alice.text.insert(0, 'function add(a, b) {}');
    bob.text.insert(0, '// kata: add\n');
    await eventually(() => alice.text.toString() === bob.text.toString() && alice.text.length > 30, 'convergence');

    const carol = await open('carol');
    expect(carol.text.toString()).toBe(alice.text.toString());
    expect(carol.text.toString()).toContain('function add(a, b) {}');
    expect(carol.text.toString()).toContain('// kata: add');
  });

  it('relays a presence change as exactly the states its sender sent, and drops them when the sender leaves', async () => {
    const erin = await open('erin', 't_acme/dojo/d3/code');
    const frank = await open('frank', 't_acme/dojo/d3/code');
    const statesAtFrank = () => frank.provider.awareness?.getStates() ?? new Map<number, Record<string, unknown>>();

    erin.provider.setAwarenessField('cursor', { line: 3 });
    await eventually(
      () => JSON.stringify(statesAtFrank().get(erin.doc.clientID)?.cursor) === '{"line":3}',
      'presence relayed',
    );
    expect([...statesAtFrank().keys()].sort()).toEqual([erin.doc.clientID, frank.doc.clientID].sort());
    expect(statesAtFrank().get(erin.doc.clientID)?.userId).toBe('erin');

    erin.destroy();
    await eventually(() => !statesAtFrank().has(erin.doc.clientID), 'presence removed');
  });

  it('delivers edits and presence between session-aware providers, each on its own message address', async () => {
    const gina = await open('gina', 't_acme/dojo/d4/code', true);
    const hugo = await open('hugo', 't_acme/dojo/d4/code', true);
    const ivan = await open('ivan', 't_acme/dojo/d4/code');

    gina.text.insert(0, 'session-addressed');
    hugo.provider.setAwarenessField('cursor', { line: 7 });
    await eventually(
      () => [hugo, ivan].every((p) => p.text.toString() === 'session-addressed'),
      'the edit reaches a session-aware and a plain provider',
    );
    await eventually(
      () =>
        [gina, ivan].every(
          (p) => JSON.stringify(p.provider.awareness?.getStates().get(hugo.doc.clientID)?.cursor) === '{"line":7}',
        ),
      'the cursor reaches both',
    );
  });

  it('counts the frames it receives by message type, the update bytes among them, and the frames it sends', async () => {
    const metric = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
    const syncFrames = /^pocdojo_ws_messages_in_total\{[^}]*type="0"[^}]*\} (\d+)/m;
    const updateBytes = /^pocdojo_update_bytes_in_total\{[^}]*\} (\d+)/m;
    const framesOut = /^pocdojo_ws_messages_out_total\{[^}]*\} (\d+)/m;
    const before = await fetch(`${server.httpUrl}/metrics`).then((r) => r.text());
    const jane = await open('jane', 't_acme/dojo/d5/code');
    jane.text.insert(0, 'counted');
    await acknowledged(jane);

    const after = await fetch(`${server.httpUrl}/metrics`).then((r) => r.text());
    expect(metric(after, syncFrames)).toBeGreaterThan(metric(before, syncFrames));
    expect(metric(after, updateBytes) - metric(before, updateBytes)).toBeGreaterThanOrEqual('counted'.length);
    expect(metric(after, framesOut)).toBeGreaterThan(metric(before, framesOut));
  });

  it('acknowledges an edit only once it is committed to the update log', async () => {
    const dave = await open('dave', 't_acme/dojo/d2/code');
    dave.text.insert(0, 'durable');
    await acknowledged(dave);

    const check = await fetch(`${server.httpUrl}/metrics`).then((r) => r.text());
    const committed = Number(/^pocdojo_persistence_updates_total\{[^}]*\} (\d+)/m.exec(check)?.[1] ?? 0);
    expect(committed).toBeGreaterThan(0);
  });
});
