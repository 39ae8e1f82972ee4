import { describe, expect, it } from 'vitest';
import {
  decodeCommand,
  decodeServerMessage,
  encodeCommand,
  encodeEvent,
  encodeReply,
  errorReply,
  okReply,
} from '../../src/contract/dojo-protocol.ts';

describe('dojo command protocol', () => {
  it('round-trips a command through encode and decode', () => {
    const text = encodeCommand('c1', 'chat', { text: '  hello  ' });
    expect(JSON.parse(text)).toEqual({ v: 1, id: 'c1', type: 'command', name: 'chat', args: { text: 'hello' } });
    expect(decodeCommand(text)).toEqual({
      ok: true,
      value: { v: 1, id: 'c1', type: 'command', name: 'chat', args: { text: 'hello' } },
    });
  });

  it('refuses invalid args on the client before sending', () => {
    expect(() => encodeCommand('c2', 'chat', { text: 'x'.repeat(2001) })).toThrow();
    expect(() => encodeCommand('c3', 'setTurnLength', { seconds: 1 })).toThrow();
  });

  it('carries reopen with empty args and refuses any', () => {
    expect(decodeCommand(encodeCommand('c5', 'reopen', {}))).toEqual({
      ok: true,
      value: { v: 1, id: 'c5', type: 'command', name: 'reopen', args: {} },
    });
    const withArgs = JSON.stringify({ v: 1, id: 'c6', type: 'command', name: 'reopen', args: { phase: 'running' } });
    expect(decodeCommand(withArgs)).toMatchObject({ ok: false, id: 'c6' });
  });

  it('tells the server the id of a command whose args are invalid, so it can answer', () => {
    const text = JSON.stringify({ v: 1, id: 'c4', type: 'command', name: 'lock', args: { mode: 'everyone' } });
    expect(decodeCommand(text)).toMatchObject({ ok: false, id: 'c4' });
  });

  it('refuses a NUL character anywhere in a command, naming where, with the id to answer to', () => {
    const text = JSON.stringify({ v: 1, id: 'c5', type: 'command', name: 'chat', args: { text: 'a\u0000b' } });
    expect(decodeCommand(text)).toEqual({
      ok: false,
      id: 'c5',
      message: 'args.text: must not contain NUL (U+0000) characters',
    });
    const inKey = JSON.stringify({ v: 1, id: 'c6', type: 'command', name: 'start', args: { 'x\u0000': 1 } });
    expect(decodeCommand(inKey)).toMatchObject({
      ok: false,
      id: 'c6',
      message: expect.stringMatching(/^args\.x\\u0000:/),
    });
  });

  it('refuses unknown versions, unknown commands, unknown fields and non-JSON', () => {
    expect(decodeCommand(JSON.stringify({ v: 2, id: 'a', type: 'command', name: 'start', args: {} })).ok).toBe(false);
    expect(decodeCommand(JSON.stringify({ v: 1, id: 'a', type: 'command', name: 'selfDestruct', args: {} })).ok).toBe(
      false,
    );
    expect(
      decodeCommand(JSON.stringify({ v: 1, id: 'a', type: 'command', name: 'start', args: {}, as: 'admin' })).ok,
    ).toBe(false);
    expect(
      decodeCommand(JSON.stringify({ v: 1, id: 'a', type: 'command', name: 'remove', args: { userId: 'u', why: 1 } }))
        .ok,
    ).toBe(false);
    expect(decodeCommand('{nope')).toEqual({ ok: false, message: 'not JSON' });
  });

  it('decodes replies and known events, and drops what it does not know', () => {
    expect(decodeServerMessage(encodeReply(okReply('c1')))).toEqual({ kind: 'reply', reply: okReply('c1') });
    const refused = errorReply('c2', 'forbidden', 'only facilitators may rotate');
    expect(decodeServerMessage(encodeReply(refused))).toEqual({ kind: 'reply', reply: refused });
    const summon = encodeEvent({ v: 1, type: 'event', name: 'summon', data: { path: 'main.ts', line: 3, by: 'u1' } });
    expect(decodeServerMessage(summon)).toEqual({
      kind: 'event',
      event: { v: 1, type: 'event', name: 'summon', data: { path: 'main.ts', line: 3, by: 'u1' } },
    });
    expect(decodeServerMessage(JSON.stringify({ v: 1, type: 'event', name: 'fromTheFuture', data: {} }))).toEqual({
      kind: 'unknown',
    });
    expect(decodeServerMessage('plain text from another extension')).toEqual({ kind: 'unknown' });
  });
});
