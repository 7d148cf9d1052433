'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { deepMerge } = require('../src/merge');

test('merges nested objects', () => {
  assert.deepEqual(deepMerge({ a: { x: 1 } }, { a: { y: 2 }, b: 3 }), { a: { x: 1, y: 2 }, b: 3 });
});

test('leaves the target unchanged', () => {
  const target = { a: { x: 1 } };
  deepMerge(target, { a: { x: 2 } });
  assert.deepEqual(target, { a: { x: 1 } });
});

test('arrays replace', () => {
  assert.deepEqual(deepMerge({ list: [1, 2, 3] }, { list: [9] }), { list: [9] });
});
