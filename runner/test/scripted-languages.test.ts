import { describe, expect, it } from 'vitest';
import { describeLanguageLights } from './language-lights.ts';
import { kataWith } from './test-runner.ts';

const { runner, run } = describeLanguageLights(['typescript', 'javascript', 'python', 'ruby']);

describe('typescript types', () => {
  it('is amber when the code does not type-check, with the errors as tsc prints them', async () => {
    const result = await run(
      'typescript',
      await kataWith(runner, 'typescript', {
        'fizz-buzz.ts': 'export function fizzBuzz(number: number): string {\n  return number;\n}\n',
      }),
    );
    expect(result).toMatchObject({ light: 'amber', message: 'did not type-check (1 error)', passed: 0, failed: 0 });
    expect(result.output).toContain(
      "fizz-buzz.ts(2,3): error TS2322: Type 'number' is not assignable to type 'string'.",
    );
  });

  it('is amber when a test calls the code with the wrong types', async () => {
    const kata = await runner.kata('typescript');
    const result = await run('typescript', {
      ...kata,
      'fizz-buzz.test.ts': kata['fizz-buzz.test.ts']!.replace("fizzBuzz(1), '1'", "fizzBuzz('1'), '1'"),
    });
    expect(result).toMatchObject({ light: 'amber', message: 'did not type-check (1 error)' });
    expect(result.output).toContain('fizz-buzz.test.ts(6,25): error TS2345');
  });
});
