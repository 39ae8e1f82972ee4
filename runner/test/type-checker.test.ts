import { describe, expect, it } from 'vitest';
import { TypeScriptChecker } from '../src/checks/type-checker.ts';

/** The TypeScript start point's warm type checker, on its own (scripted-languages.test.ts runs it in runs). */
const files = {
  'fizz-buzz.ts': 'export function fizzBuzz(number: number): string {\n  return String(number);\n}\n',
  'fizz-buzz.test.ts':
    "import { test } from 'node:test';\nimport { fizzBuzz } from './fizz-buzz.ts';\n\ntest('1', () => {\n  fizzBuzz(1);\n});\n",
};

describe('the TypeScript type checker', () => {
  const checker = new TypeScriptChecker();

  it('passes typed code that uses Node’s types, and names each error of code that is not', async () => {
    await checker.warm(files);
    expect(await checker.check(files, 60_000)).toEqual({ ok: true });
    const wrong = await checker.check(
      { ...files, 'fizz-buzz.ts': 'export const fizzBuzz = (n: number): string => n;\n' },
      60_000,
    );
    expect(wrong).toEqual({
      ok: false,
      message: 'did not type-check (1 error)',
      output: "fizz-buzz.ts(1,48): error TS2322: Type 'number' is not assignable to type 'string'.\n",
    });
  });

  it('sees nothing of the machine beyond the submitted files and the types it ships with', async () => {
    const verdict = await checker.check(
      { ...files, 'peek.ts': "import secret from '/etc/passwd';\nexport { secret };\n" },
      60_000,
    );
    expect(verdict).toMatchObject({ ok: false, output: expect.stringContaining("Cannot find module '/etc/passwd'") });
  });

  it('is amber when a warm check outlasts its time, and starts afresh for the next one', async () => {
    expect(await checker.check(files, 1)).toEqual({
      ok: false,
      message: 'the type check timed out after 0 s',
      output: '',
    });
    expect(await checker.check(files, 60_000)).toEqual({ ok: true });
  });

  it('leaves the run’s light alone when the checker is still starting at its time', async () => {
    await expect(new TypeScriptChecker().check(files, 1)).rejects.toThrow(/timed out/);
  });
});
