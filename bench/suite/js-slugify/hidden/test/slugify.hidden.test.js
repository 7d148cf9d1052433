'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { slugify } = require('../src/slugify');

test('strips accents', () => {
  assert.equal(slugify('  Crème brûlée  '), 'creme-brulee');
});

test('collapses runs of separators', () => {
  assert.equal(slugify('a -- b__c'), 'a-b-c');
});

test('empty and symbol-only input', () => {
  assert.equal(slugify(''), '');
  assert.equal(slugify('!!!'), '');
});

test('keeps digits', () => {
  assert.equal(slugify('Top 10 Tips'), 'top-10-tips');
});
