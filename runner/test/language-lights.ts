import { afterAll, describe, expect, it } from 'vitest';
import { languageNames, type LanguageId } from '@pocdojo/shared/contract/runs';
import { fixtures } from './language-fixtures.ts';
import { kataWith, startTestRunner, type TestRunner } from './test-runner.ts';

/**
 * The three lights of each language, through the real sandbox: the starter kata is red as shipped,
 * solved it is green, broken it is amber. Languages run one after another (two cores, shared). Returns
 * the runner, for a language's own cases.
 */
export function describeLanguageLights(languages: LanguageId[]): TestRunner {
  const testRunner = startTestRunner();
  const { runner, run, close } = testRunner;
  afterAll(close);

  describe.each(languages)('%s', (language) => {
    const fixture = fixtures[language];

    it('is offered on this machine', async () => {
      const offered = (await runner.languages()).find((l) => l.id === language);
      expect(offered).toMatchObject({ name: languageNames[language], available: true });
    });

    it('starts red: the starter kata has one failing test', async () => {
      const result = await run(language, await runner.kata(language));
      expect(result).toMatchObject({
        light: 'red',
        passed: 1,
        failed: 1,
        failing: [fixture.failing],
        message: '1 of 2 tests failed',
        outputTruncated: false,
      });
      expect(result.output).toContain(fixture.redOutput);
    });

    it('turns green once FizzBuzz is written', async () => {
      const result = await run(language, await kataWith(runner, language, fixture.solved));
      expect(result).toMatchObject({
        light: 'green',
        passed: 2,
        failed: 0,
        failing: [],
        message: 'all 2 tests passed',
      });
    });

    it('is amber when the code is broken', async () => {
      const result = await run(language, await kataWith(runner, language, fixture.broken));
      expect(result).toMatchObject({ light: 'amber', message: fixture.brokenMessage, passed: 0 });
    });
  });
  return testRunner;
}
