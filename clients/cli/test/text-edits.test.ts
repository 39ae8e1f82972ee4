import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { isLocalOnly, isMirrored } from '../src/mirror/mirror-paths.ts';
import { applyTextDiff, likelyBase, mergeTexts } from '../src/mirror/text-edits.ts';
import { parseDojoTarget } from '../src/dojo-target.ts';

describe('a save as text edits', () => {
  it('changes only what differs, so a concurrent edit elsewhere in the file survives', () => {
    const mine = new Y.Doc();
    mine.getText('t').insert(0, 'const a = 1;\nconst b = 2;\n');
    const theirs = new Y.Doc();
    Y.applyUpdate(theirs, Y.encodeStateAsUpdate(mine));
    theirs.getText('t').insert(0, '// header\n');
    applyTextDiff(mine.getText('t'), 'const a = 1;\nconst b = 2;\n', 'const a = 1;\nconst b = 3;\n');
    Y.applyUpdate(mine, Y.encodeStateAsUpdate(theirs));
    Y.applyUpdate(theirs, Y.encodeStateAsUpdate(mine));
    expect(mine.getText('t').toString()).toBe('// header\nconst a = 1;\nconst b = 3;\n');
    expect(theirs.getText('t').toString()).toBe(mine.getText('t').toString());
  });

  it('merges a save with what others typed since the last sync, keeping both', () => {
    const base = 'function fizz(n) {\n  return n;\n}\n';
    const ours = 'function fizz(n) {\n  if (n % 3 === 0) return "Fizz";\n  return n;\n}\n';
    const theirs = '// fizz buzz\nfunction fizz(n) {\n  return n;\n}\n';
    expect(mergeTexts(base, ours, theirs)).toBe(
      '// fizz buzz\nfunction fizz(n) {\n  if (n % 3 === 0) return "Fizz";\n  return n;\n}\n',
    );
    expect(mergeTexts(base, base, theirs)).toBe(theirs);
    expect(mergeTexts(base, ours, base)).toBe(ours);
  });
});

describe('a save from an editor that did not reload', () => {
  it('is read against the version its buffer was loaded from', () => {
    const loaded = 'let a = 1;\nlet b = 2;\n';
    const afterOthers = '// by Ada\nlet a = 1;\nlet b = 2;\n';
    const saved = 'let a = 1;\nlet b = 2;\nlet c = 3;\n';
    expect(likelyBase([afterOthers, loaded], saved)).toBe(loaded);
    expect(mergeTexts(likelyBase([afterOthers, loaded], saved), saved, afterOthers)).toBe(
      '// by Ada\nlet a = 1;\nlet b = 2;\nlet c = 3;\n',
    );
  });

  it('prefers the newest version when two explain the save equally', () => {
    expect(likelyBase(['x\n', 'x\n'], 'x\ny\n')).toBe('x\n');
    expect(likelyBase(['new', 'old'], 'new!')).toBe('new');
  });
});

describe('the paths a folder mirror carries', () => {
  it.each([
    '4913',
    'src/.fizz.ts.swp',
    'fizz.ts~',
    '.#fizz.ts',
    '#fizz.ts#',
    'a.ts___jb_tmp___',
    '.git/HEAD',
    '.pocdojo.json',
    'src/.pocdojo-1a2b.tmp',
  ])('keeps the editor scratch or tool file %s to the folder', (path) => {
    expect(isLocalOnly(path)).toBe(true);
    expect(isMirrored(path)).toBe(false);
  });

  it.each(['../etc/passwd', '/etc/passwd', 'src/../../x', 'a//b', './a', 'a\\b', 'a\u0000b', ''])(
    'never writes the dojo path %j, which could leave the folder',
    (path) => expect(isMirrored(path)).toBe(false),
  );

  it.each(['fizz.ts', 'src/fizz.test.ts', 'README.md', '.gitignore'])('mirrors %s', (path) =>
    expect(isMirrored(path)).toBe(true),
  );
});

describe('what join is given', () => {
  it('reads the invitation link the web app copies', () => {
    expect(parseDojoTarget('https://dojo.example.com/#/dojos/0c8f-11aa?tenant=acme')).toEqual({
      dojoId: '0c8f-11aa',
      server: 'https://dojo.example.com',
      team: 'acme',
    });
    expect(parseDojoTarget('0c8f-11aa')).toEqual({ dojoId: '0c8f-11aa' });
  });

  it('refuses anything else with a sentence', () => {
    expect(() => parseDojoTarget('https://dojo.example.com/#/pocs')).toThrow('not a dojo invitation link');
    expect(() => parseDojoTarget('not a link')).toThrow('neither an invitation link nor a dojo id');
  });
});
