'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { deepMerge } = require('../src/merge');

test('null replaces', () => {
  assert.deepEqual(deepMerge({ a: { x: 1 } }, { a: null }), { a: null });
});

test('no prototype pollution', () => {
  const evil = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"bad": 1}}}');
  const out = deepMerge({}, evil);
  assert.equal({}.polluted, undefined);
  assert.equal(Object.prototype.bad, undefined);
  assert.equal(Object.keys(out).length, 0);
});

test('source is not shared', () => {
  const source = { a: { deep: { v: 1 } } };
  const out = deepMerge({}, source);
  out.a.deep.v = 2;
  assert.equal(source.a.deep.v, 1);
});
