import type { LanguageId, RunFiles } from '@pocdojo/shared/contract/runs';

/**
 * For each language: what its starter kata reports as shipped (red), the kata's code solved (green) and
 * broken (amber, with the message a person reads).
 */
export interface LanguageFixture {
  language: LanguageId;
  failing: string;
  solved: RunFiles;
  broken: RunFiles;
  brokenMessage: string;
  /** What the red run's output shows about the failing assertion. */
  redOutput: string;
}

/**
 * A small Python FizzBuzz kata with one failing test, for the tests of the run service and the dojo's
 * runs, which are about queues and rooms rather than languages: Python's start point is the quickest
 * to prepare.
 */
export const pythonKata = {
  'fizz_buzz.py': 'def fizz_buzz(number):\n    return str(number)\n',
  'test_fizz_buzz.py': [
    'from fizz_buzz import fizz_buzz',
    '',
    '',
    'def test_one_is_one():',
    '    assert fizz_buzz(1) == "1"',
    '',
    '',
    'def test_three_is_fizz():',
    '    assert fizz_buzz(3) == "Fizz"',
    '',
  ].join('\n'),
} as const satisfies RunFiles;

export const fixtures: Record<LanguageId, LanguageFixture> = {
  typescript: {
    language: 'typescript',
    failing: '3 is Fizz',
    solved: {
      'fizz-buzz.ts': [
        'export function fizzBuzz(number: number): string {',
        "  if (number % 15 === 0) return 'FizzBuzz';",
        "  if (number % 3 === 0) return 'Fizz';",
        "  if (number % 5 === 0) return 'Buzz';",
        '  return String(number);',
        '}',
        '',
      ].join('\n'),
    },
    broken: { 'fizz-buzz.ts': 'export function fizzBuzz(number: number): string {\n  return String(number;\n}\n' },
    brokenMessage: 'did not compile',
    redOutput: "'3' !== 'Fizz'",
  },
  javascript: {
    language: 'javascript',
    failing: '3 is Fizz',
    solved: {
      'fizz-buzz.js': [
        'export function fizzBuzz(number) {',
        "  if (number % 15 === 0) return 'FizzBuzz';",
        "  if (number % 3 === 0) return 'Fizz';",
        "  if (number % 5 === 0) return 'Buzz';",
        '  return String(number);',
        '}',
        '',
      ].join('\n'),
    },
    broken: { 'fizz-buzz.js': 'export function fizzBuzz(number) {\n  return String(number;\n}\n' },
    brokenMessage: 'a test file did not load, or crashed outside its tests',
    redOutput: "'3' !== 'Fizz'",
  },
  python: {
    language: 'python',
    failing: 'test_three_is_fizz',
    solved: {
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
    },
    broken: { 'fizz_buzz.py': 'def fizz_buzz(number:\n    return str(number)\n' },
    brokenMessage: 'the tests did not load',
    redOutput: "assert '3' == 'Fizz'",
  },
  java: {
    language: 'java',
    failing: 'threeIsFizz()',
    solved: {
      'FizzBuzz.java': [
        'public class FizzBuzz {',
        '    public static String of(int number) {',
        '        if (number % 15 == 0) return "FizzBuzz";',
        '        if (number % 3 == 0) return "Fizz";',
        '        if (number % 5 == 0) return "Buzz";',
        '        return String.valueOf(number);',
        '    }',
        '}',
        '',
      ].join('\n'),
    },
    broken: {
      'FizzBuzz.java':
        'public class FizzBuzz {\n    public static String of(int number) {\n        return number;\n    }\n}\n',
    },
    brokenMessage: 'did not compile',
    redOutput: 'expected: <Fizz> but was: <3>',
  },
  go: {
    language: 'go',
    failing: 'TestThreeIsFizz',
    solved: {
      'fizz_buzz.go': [
        'package fizzbuzz',
        '',
        'import "strconv"',
        '',
        'func FizzBuzz(number int) string {',
        '\tswitch {',
        '\tcase number%15 == 0:',
        '\t\treturn "FizzBuzz"',
        '\tcase number%3 == 0:',
        '\t\treturn "Fizz"',
        '\tcase number%5 == 0:',
        '\t\treturn "Buzz"',
        '\t}',
        '\treturn strconv.Itoa(number)',
        '}',
        '',
      ].join('\n'),
    },
    broken: { 'fizz_buzz.go': 'package fizzbuzz\n\nfunc FizzBuzz(number int) string {\n\treturn number\n}\n' },
    brokenMessage: 'did not compile',
    redOutput: 'FizzBuzz(3) = "3", want "Fizz"',
  },
  ruby: {
    language: 'ruby',
    failing: 'test_three_is_fizz',
    solved: {
      'fizz_buzz.rb': [
        'def fizz_buzz(number)',
        "  return 'FizzBuzz' if (number % 15).zero?",
        "  return 'Fizz' if (number % 3).zero?",
        "  return 'Buzz' if (number % 5).zero?",
        '',
        '  number.to_s',
        'end',
        '',
      ].join('\n'),
    },
    broken: { 'fizz_buzz.rb': 'def fizz_buzz(number)\n  number.to_s\n' },
    brokenMessage: 'the tests did not load',
    redOutput: 'FizzBuzzTest#test_three_is_fizz',
  },
  cpp: {
    language: 'cpp',
    failing: '3 is Fizz',
    solved: {
      'fizz_buzz.cpp': [
        '#include "fizz_buzz.hpp"',
        '',
        'std::string fizz_buzz(int number) {',
        '    if (number % 15 == 0) return "FizzBuzz";',
        '    if (number % 3 == 0) return "Fizz";',
        '    if (number % 5 == 0) return "Buzz";',
        '    return std::to_string(number);',
        '}',
        '',
      ].join('\n'),
    },
    broken: {
      'fizz_buzz.cpp': '#include "fizz_buzz.hpp"\n\nstd::string fizz_buzz(int number) {\n    return number\n}\n',
    },
    brokenMessage: 'did not compile',
    redOutput: '"3" == "Fizz"',
  },
  rust: {
    language: 'rust',
    failing: 'tests::three_is_fizz',
    solved: {
      'fizz_buzz.rs': [
        'pub fn fizz_buzz(number: u32) -> String {',
        '    match (number % 3, number % 5) {',
        '        (0, 0) => "FizzBuzz".to_string(),',
        '        (0, _) => "Fizz".to_string(),',
        '        (_, 0) => "Buzz".to_string(),',
        '        _ => number.to_string(),',
        '    }',
        '}',
        '',
      ].join('\n'),
    },
    broken: { 'fizz_buzz.rs': 'pub fn fizz_buzz(number: u32) -> String {\n    number\n}\n' },
    brokenMessage: 'did not compile',
    redOutput: 'right: `"Fizz"`',
  },
};
