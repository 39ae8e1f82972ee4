import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fizzBuzz } from './fizz-buzz.js';

test('1 is 1', () => {
  assert.equal(fizzBuzz(1), '1');
});

test('3 is Fizz', () => {
  assert.equal(fizzBuzz(3), 'Fizz');
});
