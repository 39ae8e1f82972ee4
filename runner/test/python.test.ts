import { afterAll, describe, expect, it } from 'vitest';
import { kataWith, startTestRunner } from './test-runner.ts';

const { runner, run, close } = startTestRunner();
afterAll(close);

describe('Python with pytest', () => {
  it('is offered on this machine', async () => {
    expect(await runner.languages()).toContainEqual({
      id: 'python',
      name: 'Python 3',
      testFramework: 'pytest',
      available: true,
    });
  });

  it('starts red: the starter kata has a failing test', async () => {
    const result = await run('python', await runner.kata('python'));
    expect(result).toMatchObject({
      light: 'red',
      passed: 1,
      failed: 1,
      failing: ['test_three_is_fizz'],
      message: '1 of 2 tests failed',
      outputTruncated: false,
    });
    expect(result.output).toContain("assert '3' == 'Fizz'");
  });

  it('turns green once FizzBuzz is written', async () => {
    const result = await run(
      'python',
      await kataWith(runner, 'python', {
        'fizz_buzz.py': [
          'def fizz_buzz(number):',
          '    if number % 15 == 0:',
          '        return "FizzBuzz"',
          '    if number % 3 == 0:',
          '        return "Fizz"',
          '    if number % 5 == 0:',
          '        return "Buzz"',
          '    return str(number)',
          '',
        ].join('\n'),
      }),
    );
    expect(result).toMatchObject({ light: 'green', passed: 2, failed: 0, failing: [], message: 'all 2 tests passed' });
  });

  it('is amber when the code does not parse', async () => {
    const result = await run('python', await kataWith(runner, 'python', { 'fizz_buzz.py': 'def fizz_buzz(number:\n' }));
    expect(result).toMatchObject({ light: 'amber', message: 'the tests did not load', passed: 0 });
    expect(result.output).toContain('SyntaxError');
  });
});
